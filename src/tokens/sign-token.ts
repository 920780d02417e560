import { randomUUID } from 'node:crypto';
import { SignJWT, type CryptoKey } from 'jose';
import { importSigningKey } from './key-store.js';
import { TOKEN_TYP, type JobClaims, type StoredKey, type TokenKind } from './token-types.js';

export interface SignedToken {
  token: string;
  jti: string;
  exp: number;
}

/** Signs one job token: header alg, kid (RFC 7638 thumbprint) and a typ per kind; a fresh random jti. */
export async function signJobToken(
  kind: TokenKind,
  claims: JobClaims,
  key: StoredKey,
  options: { issuer: string; audience: string; ttlSeconds: number; now: Date; cryptoKey?: CryptoKey },
): Promise<SignedToken> {
  const jti = randomUUID();
  const iat = Math.floor(options.now.getTime() / 1000);
  const exp = iat + options.ttlSeconds;
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: TOKEN_TYP[kind] })
    .setIssuer(options.issuer)
    .setAudience(options.audience)
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(exp)
    .setJti(jti)
    .sign(options.cryptoKey ?? (await importSigningKey(key)));
  return { token, jti, exp };
}
