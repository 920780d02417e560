import { randomUUID } from 'node:crypto';
import { SignJWT, calculateJwkThumbprint, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK, jwtVerify, type JWK } from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';

/** RFC 7523: a JWT bearer client assertion, how a worker proves who it is with its own key. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A worker's own Ed25519 key pair: the private JWK stays with the worker, the public one is registered in the configuration. */
export async function newWorkerKey(name: string): Promise<{ privateJwk: JWK; publicJwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'EdDSA' },
    publicJwk: { ...publicJwk, kid, alg: 'EdDSA', use: 'sig', name } as JWK,
  };
}

/** A short-lived assertion: iss = sub = the worker, aud = the service's issuer, a fresh jti. */
export async function signClientAssertion(
  worker: string,
  privateJwk: JWK,
  audience: string,
  now = new Date(),
  lifetimeSeconds = 60,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid ?? '' })
    .setIssuer(worker)
    .setSubject(worker)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(await importJWK(privateJwk, 'EdDSA'));
}

/**
 * Checks a worker's assertion against the public key registered for it: signature, iss = sub
 * = the worker, aud, a lifetime of at most 5 minutes, and a jti never seen before.
 */
export async function verifyClientAssertion(
  assertion: string,
  keys: ReadonlyMap<string, JWK>,
  options: { audience: string; now: Date; seen: Map<string, number> },
): Promise<string> {
  let worker: string;
  try {
    decodeProtectedHeader(assertion);
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: string };
    worker = String(payload.iss ?? '');
  } catch {
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      'the client assertion is not a JWT',
      `send a ${CLIENT_ASSERTION_TYPE} assertion signed with the worker's key`,
    );
  }
  const key = keys.get(worker);
  if (!key)
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `worker ${JSON.stringify(worker)} has no key registered`,
      'register its public key under worker.keys in the configuration',
    );
  try {
    const { payload } = await jwtVerify(assertion, await importJWK(key, 'EdDSA'), {
      algorithms: ['EdDSA'],
      issuer: worker,
      subject: worker,
      audience: options.audience,
      requiredClaims: ['jti', 'exp', 'iat'],
      clockTolerance: 60,
      currentDate: options.now,
    });
    if ((payload.exp ?? 0) - (payload.iat ?? 0) > 300)
      throw new TaskgateError(
        'ERR_TOKEN_INVALID',
        'the client assertion lives longer than 5 minutes',
        'sign assertions for a minute at most',
      );
    const now = Math.floor(options.now.getTime() / 1000);
    for (const [jti, exp] of options.seen) if (exp + 60 < now) options.seen.delete(jti);
    if (options.seen.has(payload.jti!))
      throw new TaskgateError('ERR_TOKEN_INVALID', 'the client assertion was already used', 'sign a new assertion for every request');
    options.seen.set(payload.jti!, payload.exp!);
    return worker;
  } catch (error) {
    if (error instanceof TaskgateError) throw error;
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `the client assertion of ${worker} is refused: ${(error as Error).message}`,
      "sign it with the worker's registered key, for this service's issuer",
    );
  }
}
