// A worker's own key and its RFC 7523 client assertions: signed per request, and checked by the service (lifetime, binding, one-time jti).
import { randomUUID } from 'node:crypto';
import {
  SignJWT,
  calculateJwkThumbprint,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  type JWK,
  type JWTPayload,
} from 'jose';
import { TaskgateError } from '../errors/taskgate-error.js';

/** RFC 7523: a JWT bearer client assertion, how a worker proves who it is with its own key. */
export const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Where a GET request (wait, open) carries its assertion, having no body. */
export const ASSERTION_HEADER = 'taskgate-client-assertion';

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

/** The request an assertion is bound to (RFC 9449's `htm` and `htu`): the method and the URL without query or fragment. */
interface BoundRequest {
  method: string;
  url: string;
}

/** The URL as `htu` carries it: no query, no fragment. */
function htuOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/** A short-lived assertion: iss = sub = the worker, aud = the service's issuer, a fresh jti, bound to one request. */
export async function signClientAssertion(
  worker: string,
  privateJwk: JWK,
  audience: string,
  request: BoundRequest,
  now = new Date(),
  lifetimeSeconds = 60,
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ htm: request.method.toUpperCase(), htu: htuOf(request.url) })
    .setProtectedHeader({ alg: 'EdDSA', kid: privateJwk.kid ?? '' })
    .setIssuer(worker)
    .setSubject(worker)
    .setAudience(audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + lifetimeSeconds)
    .setJti(randomUUID())
    .sign(await importJWK(privateJwk, 'EdDSA'));
}

interface AssertionCheck {
  audience: string;
  now: Date;
  /** The request that carries the assertion: `htm` must be its method, `htu`'s path its path. */
  request: { method: string; path: string };
  /** Records a jti until its exp; false when it was recorded before (by this service or another one on the store). */
  use: (jti: string, exp: number) => Promise<boolean>;
}

function refused(message: string, hint: string): TaskgateError {
  return new TaskgateError('ERR_TOKEN_INVALID', message, hint);
}

/** The issuer named in an assertion, before any check: it says whose key to check it with. */
function claimedWorker(assertion: string): string {
  try {
    decodeProtectedHeader(assertion);
    const payload = JSON.parse(Buffer.from(assertion.split('.')[1] ?? '', 'base64url').toString('utf8')) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : '';
  } catch {
    throw refused('the client assertion is not a JWT', `send a ${CLIENT_ASSERTION_TYPE} assertion signed with the worker's key`);
  }
}

/** iat not in the future (60 s of skew), a lifetime of at most 5 minutes, and the request it was made for. */
function checkClaims(payload: JWTPayload, worker: string, options: AssertionCheck): void {
  const now = Math.floor(options.now.getTime() / 1000);
  const iat = payload.iat ?? 0;
  if (iat > now + 60) throw refused(`the client assertion of ${worker} is dated in the future`, "check the worker's clock");
  if ((payload.exp ?? 0) - iat > 300)
    throw refused(`the client assertion of ${worker} lives longer than 5 minutes`, 'sign assertions for a minute at most');
  const htm = payload['htm'];
  const htu = payload['htu'];
  let path: string | null;
  try {
    path = typeof htu === 'string' ? new URL(htu).pathname : null;
  } catch {
    path = null;
  }
  if (htm !== options.request.method.toUpperCase() || path !== options.request.path)
    throw refused(
      `the client assertion of ${worker} was made for another request (htm/htu), not ${options.request.method.toUpperCase()} ${options.request.path}`,
      'sign a new assertion for every request, naming its method and URL',
    );
}

/**
 * Checks a worker's assertion against the public key registered for it: signature, iss = sub
 * = the worker, aud, iat, a lifetime of at most 5 minutes, the request it is bound to, and a
 * jti never used before (kept by the store until exp, so across restarts and services).
 */
export async function verifyClientAssertion(assertion: string, keys: ReadonlyMap<string, JWK>, options: AssertionCheck): Promise<string> {
  const worker = claimedWorker(assertion);
  const key = keys.get(worker);
  if (!key)
    throw refused(
      `worker ${JSON.stringify(worker)} has no key registered`,
      'register its public key under worker.keys in the configuration',
    );
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, await importJWK(key, 'EdDSA'), {
      algorithms: ['EdDSA'],
      issuer: worker,
      subject: worker,
      audience: options.audience,
      requiredClaims: ['jti', 'exp', 'iat'],
      clockTolerance: 60,
      currentDate: options.now,
    }));
  } catch (error) {
    throw refused(
      `the client assertion of ${worker} is refused: ${(error as Error).message}`,
      "sign it with the worker's registered key, for this service's issuer",
    );
  }
  checkClaims(payload, worker, options);
  if (!(await options.use(String(payload.jti), Number(payload.exp))))
    throw refused(`the client assertion of ${worker} was already used`, 'sign a new assertion for every request');
  return worker;
}
