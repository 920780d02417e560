// Checks a compact JWS against a pinned JWKS with node:crypto, on the calling thread: the signature half of verifying a job token.
import { createPublicKey, verify, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';

/** Why a token's signature part was refused, in the words and codes jose uses for the same checks. */
export class SignatureRefusal extends Error {
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** The algorithms of DESIGN §8, and the keys each may be checked with. */
const FITS: Record<string, (jwk: JWK) => boolean> = {
  EdDSA: (jwk) => jwk.kty === 'OKP' && jwk.crv === 'Ed25519',
  ES256: (jwk) => jwk.kty === 'EC' && jwk.crv === 'P-256',
};

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** One imported key per JWK: a pinned set is imported once, not once per token. */
const imported = new WeakMap<JWK, KeyObject>();

function keyObject(jwk: JWK): KeyObject {
  let key = imported.get(jwk);
  if (!key) imported.set(jwk, (key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })));
  return key;
}

/** The keys of the set that may have signed a token with this header: its kid, its algorithm's kind, for signing. */
function candidates(jwks: { keys: JWK[] }, alg: string, kid: string): JWK[] {
  return jwks.keys.filter(
    (jwk) =>
      jwk.kid === kid &&
      FITS[alg]!(jwk) &&
      (jwk.alg === undefined || jwk.alg === alg) &&
      (jwk.use === undefined || jwk.use === 'sig') &&
      (jwk.key_ops === undefined || jwk.key_ops.includes('verify')),
  );
}

function checks(input: Buffer, signature: Buffer, alg: string, key: KeyObject): boolean {
  try {
    // ES256 is r || s (RFC 7518 §3.4), not DER
    return alg === 'ES256' ? verify('sha256', input, { key, dsaEncoding: 'ieee-p1363' }, signature) : verify(null, input, key, signature);
  } catch {
    return false;
  }
}

/**
 * Checks the signature of a compact JWS whose protected header the caller has decoded:
 * three base64url parts, no critical extensions, an allowed `alg`, a key of the set named
 * by `kid` and fit for that `alg` (never one the token brings). Returns the payload's bytes.
 */
export function verifySignature(token: string, header: Record<string, unknown>, jwks: { keys: JWK[] }): Buffer {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.every((p) => BASE64URL.test(p))) throw new SignatureRefusal('Invalid Compact JWS', 'ERR_JWS_INVALID');
  if ('crit' in header) throw new SignatureRefusal('Extension Header Parameter "crit" is not recognized', 'ERR_JOSE_NOT_SUPPORTED');
  const alg = header['alg'];
  if (typeof alg !== 'string' || !Object.hasOwn(FITS, alg))
    throw new SignatureRefusal('"alg" (Algorithm) Header Parameter value not allowed', 'ERR_JOSE_ALG_NOT_ALLOWED');
  // every taskgate token names its key: without a kid jose would try any key of the right kind
  const kid = header['kid'];
  if (typeof kid !== 'string') throw new SignatureRefusal('the token names no key ("kid")', 'ERR_JWKS_NO_MATCHING_KEY');
  const keys = candidates(jwks, alg, kid);
  if (keys.length === 0) throw new SignatureRefusal('no applicable key found in the JSON Web Key Set', 'ERR_JWKS_NO_MATCHING_KEY');
  const input = Buffer.from(`${parts[0]}.${parts[1]}`);
  const signature = Buffer.from(parts[2]!, 'base64url');
  if (!keys.some((jwk) => checks(input, signature, alg, keyObject(jwk))))
    throw new SignatureRefusal('signature verification failed', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  return Buffer.from(parts[1]!, 'base64url');
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The payload's text: bytes that are not UTF-8 are refused, as jose refuses them, never replaced. */
export function payloadText(payload: Buffer): string {
  try {
    return utf8.decode(payload);
  } catch {
    throw new SignatureRefusal('the JWT Claims Set is not UTF-8', 'ERR_JWT_INVALID');
  }
}
