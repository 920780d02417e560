// Who a worker is: its registered key (worker.keys) and the RFC 7523 client assertion it signs for each request.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { FastifyRequest } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobStore } from '../store/store-types.js';
import { ASSERTION_HEADER, verifyClientAssertion } from '../tokens/client-assertion.js';
import type { Jwks } from '../tokens/token-types.js';

type Jwk = Jwks['keys'][number];

/** The longest assertion or token a request may carry. */
export const MAX_TOKEN = 8192;

/** worker.keys: name -> a public JWK, inline JSON or a file path (relative to the repository). */
function workerKeys(config: TaskgateConfig): Map<string, Jwk> {
  const keys = new Map<string, Jwk>();
  for (const [name, value] of Object.entries(config.worker.keys ?? {})) {
    const text = value.trim().startsWith('{')
      ? value
      : readFileSync(isAbsolute(value) ? value : resolve(config.source.root, value), 'utf8');
    keys.set(name, JSON.parse(text) as Jwk);
  }
  return keys;
}

/**
 * The worker a request's client assertion names, once its signature, audience, dates and
 * binding to this request (htm/htu) check out; each jti once, kept in the store until exp, so
 * across restarts and across the services sharing a PostgreSQL.
 */
export function workerAuthenticator(
  config: TaskgateConfig,
  store: JobStore,
  now: () => Date,
): (assertion: unknown, req: FastifyRequest) => Promise<string> {
  const keys = workerKeys(config);
  return (assertion, req) => {
    if (typeof assertion !== 'string' || assertion.length > MAX_TOKEN)
      throw new TaskgateError(
        'ERR_UNAUTHENTICATED',
        'the worker API needs a client assertion',
        `send one in the body, or in the ${ASSERTION_HEADER} header of a GET`,
      );
    return verifyClientAssertion(assertion, keys, {
      audience: config.tokens.issuer,
      now: now(),
      request: { method: req.method, path: req.url.split('?')[0] ?? '' },
      use: (jti, exp) => store.useAssertion(jti, exp, Math.floor(now().getTime() / 1000)),
    });
  };
}
