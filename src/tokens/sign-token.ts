// Signs job tokens with node:crypto directly: the compact JWS jose's SignJWT makes, byte for byte
// (test/tokens/sign-token.test.ts compares them), without a thread-pool round trip per token.
import { createPrivateKey, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import { TOKEN_TYP, type JobClaims, type StoredKey, type TokenKind } from './token-types.js';

export interface SignedToken {
  token: string;
  jti: string;
  exp: number;
}

/** The private key of a stored key, imported once by whoever signs many tokens. */
export function signingKeyObject(key: StoredKey): KeyObject {
  return createPrivateKey({ key: key.privateJwk as JsonWebKey, format: 'jwk' });
}

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** Signs one job token: header alg, kid (RFC 7638 thumbprint) and a typ per kind; a fresh random jti. */
export function signJobToken(
  kind: TokenKind,
  claims: JobClaims,
  key: StoredKey,
  options: { issuer: string; audience: string; ttlSeconds: number; now: Date; keyObject?: KeyObject },
): SignedToken {
  const jti = randomUUID();
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + options.ttlSeconds;
  // the header's and the claims' order are SignJWT's: its setters in the order this file called them
  const header = { alg: key.alg, kid: key.kid, typ: TOKEN_TYP[kind] };
  const payload = { ...claims, iss: options.issuer, aud: options.audience, iat, nbf: iat, exp, jti };
  const input = `${part(header)}.${part(payload)}`;
  const privateKey = options.keyObject ?? signingKeyObject(key);
  // EdDSA signs the message itself; ES256 signs its SHA-256 as JWS wants it, r || s (RFC 7518 §3.4), not DER
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : sign(null, Buffer.from(input), privateKey);
  return { token: `${input}.${signature.toString('base64url')}`, jti, exp };
}
