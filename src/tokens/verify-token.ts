// Verifies a taskgate token with the pinned rules of DESIGN §8: algorithms, typ, iss, aud, times, and never a key from the token itself.
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK, type JWTPayload } from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';
import { TOKEN_TYP, type TokenKind } from './token-types.js';

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

/** One key set per JWKS object: jose imports each key once per set, not once per token. */
const keySets = new WeakMap<{ keys: JWK[] }, ReturnType<typeof createLocalJWKSet>>();

function keySet(jwks: { keys: JWK[] }): ReturnType<typeof createLocalJWKSet> {
  let set = keySets.get(jwks);
  if (!set) keySets.set(jwks, (set = createLocalJWKSet(jwks)));
  return set;
}

/**
 * Verifies a taskgate token with the pinned rules of DESIGN §8: algorithms, typ, iss, aud,
 * required jti/exp/nbf/iat, at most 60 s of clock skew, and never a key from the token
 * itself (jku, x5u, jwk headers are refused outright).
 */
export async function verifyJobToken(token: string, jwks: { keys: JWK[] }, options: VerifyOptions): Promise<VerifiedToken> {
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
    const { payload } = await jwtVerify(token, keySet(jwks), {
      algorithms: ['EdDSA', 'ES256'],
      typ: TOKEN_TYP[kind],
      issuer: options.issuer,
      audience: options.audience,
      requiredClaims: ['jti', 'exp', 'nbf', 'iat', 'sub'],
      clockTolerance: 60,
      maxTokenAge: '400d',
      ...(options.now ? { currentDate: options.now } : {}),
    });
    const iat = payload.iat ?? 0;
    const now = (options.now ?? new Date()).getTime() / 1000;
    if (iat > now + 60)
      throw new TaskgateError('ERR_TOKEN_INVALID', 'the token was issued in the future', 'check the clocks of the signer and the verifier');
    return { kind, header, claims: payload };
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
