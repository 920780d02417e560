// Who a worker is: its registered key (worker.keys) and the RFC 7523 client assertion it signs for each request.
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { TaskgateConfig } from '../config/config-types.js';
import { verifyClientAssertion } from '../tokens/client-assertion.js';
import type { Jwks } from '../tokens/token-types.js';

type Jwk = Jwks['keys'][number];

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

/** The worker a request's client assertion names, once its signature, audience and freshness check out (each assertion once). */
export function workerAuthenticator(config: TaskgateConfig, now: () => Date): (assertion: string) => Promise<string> {
  const keys = workerKeys(config);
  const seen = new Map<string, number>();
  return (assertion) => verifyClientAssertion(assertion, keys, { audience: config.tokens.issuer, now: now(), seen });
}
