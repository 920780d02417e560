// Verifies a taskgate token with the pinned rules of DESIGN §8: algorithms, typ, iss, aud, times, and never a key from the token itself.
import { decodeProtectedHeader, type JWK, type JWTPayload } from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';
import { TOKEN_TYP, type TokenKind } from './token-types.js';
import { payloadText, SignatureRefusal, verifySignature } from './verify-signature.js';

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Accept only these kinds (default: any taskgate kind). */
  kinds?: TokenKind[];
  now?: Date;
}

export interface VerifiedToken {
  kind: TokenKind;
  header: Record<string, unknown>;
  claims: JWTPayload & Record<string, unknown>;
}

/** Seconds of clock skew allowed between signer and verifier. */
const SKEW = 60;
/** jose's maxTokenAge as this file used it: no token is older than 400 days. */
const MAX_AGE = 400 * 86_400;
const REQUIRED = ['iss', 'aud', 'jti', 'exp', 'nbf', 'iat', 'sub'] as const;

/** The claims set's checks, jose's jwtVerify's for the options this file gave it: a refusal names the claim. */
function checkClaims(payload: unknown, options: VerifyOptions): JWTPayload & Record<string, unknown> {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    throw new SignatureRefusal('JWT Claims Set must be a top-level JSON object', 'ERR_JWT_INVALID');
  const claims = payload as JWTPayload & Record<string, unknown>;
  const refuse = (message: string, code = 'ERR_JWT_CLAIM_VALIDATION_FAILED') => new SignatureRefusal(message, code);
  for (const claim of REQUIRED) if (!Object.hasOwn(claims, claim)) throw refuse(`missing required "${claim}" claim`);
  if (claims.iss !== options.issuer) throw refuse('unexpected "iss" claim value');
  const aud = claims.aud;
  if (!(aud === options.audience || (Array.isArray(aud) && aud.includes(options.audience)))) throw refuse('unexpected "aud" claim value');
  for (const claim of ['iat', 'nbf', 'exp'] as const)
    if (typeof claims[claim] !== 'number') throw refuse(`"${claim}" claim must be a number`, 'ERR_JWT_INVALID');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  if (claims.nbf! > now + SKEW) throw refuse('"nbf" claim timestamp check failed');
  if (claims.exp! <= now - SKEW) throw refuse('"exp" claim timestamp check failed', 'ERR_JWT_EXPIRED');
  if (now - claims.iat! - SKEW > MAX_AGE) throw refuse('"iat" claim timestamp check failed (too far in the past)', 'ERR_JWT_EXPIRED');
  return claims;
}

/**
 * Verifies a taskgate token with the pinned rules of DESIGN §8: algorithms, typ, iss, aud,
 * required jti/exp/nbf/iat, at most 60 s of clock skew, and never a key from the token
 * itself (jku, x5u, jwk headers are refused outright).
 */
export function verifyJobToken(token: string, jwks: { keys: JWK[] }, options: VerifyOptions): Promise<VerifiedToken> {
  // synchronous work behind the async contract: every refusal is a rejection, never a throw
  return new Promise((resolve) => resolve(verifyNow(token, jwks, options)));
}

function verifyNow(token: string, jwks: { keys: JWK[] }, options: VerifyOptions): VerifiedToken {
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(token);
  } catch {
    throw new TaskgateError('ERR_TOKEN_INVALID', 'the token is not a JWT', 'pass the whole token: three base64url parts separated by dots');
  }
  for (const forbidden of ['jku', 'x5u', 'jwk', 'x5c']) {
    if (forbidden in header)
      throw new TaskgateError(
        'ERR_TOKEN_INVALID',
        `the token header carries "${forbidden}"; taskgate never takes keys from a token`,
        'verify tokens against the published JWKS only',
      );
  }
  const kinds = options.kinds ?? (Object.keys(TOKEN_TYP) as TokenKind[]);
  const kind = kinds.find((k) => TOKEN_TYP[k] === header['typ']);
  if (!kind)
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `the token's typ ${JSON.stringify(header['typ'])} is not accepted here (${kinds.map((k) => TOKEN_TYP[k]).join(', ')})`,
      'present the token of the right kind',
    );
  try {
    // node:crypto on this thread: jose's WebCrypto verify waited on the thread pool twice per job
    const claims = checkClaims(JSON.parse(payloadText(verifySignature(token, header, jwks))), options);
    const now = (options.now ?? new Date()).getTime() / 1000;
    if (claims.iat! > now + SKEW)
      throw new TaskgateError('ERR_TOKEN_INVALID', 'the token was issued in the future', 'check the clocks of the signer and the verifier');
    return { kind, header, claims };
  } catch (error) {
    if (error instanceof TaskgateError) throw error;
    const code = (error as { code?: string }).code ?? 'ERR_JWT';
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `the token is refused: ${(error as Error).message} (${code})`,
      'mint a new token; check the issuer, audience and keys in the configuration',
    );
  }
}
