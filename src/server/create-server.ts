/** `taskgate serve`: the public documents, the worker API and the read APIs, each behind the authentication DESIGN §15 gives it. */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobStore } from '../store/store-types.js';
import { ASSERTION_HEADER, CLIENT_ASSERTION_TYPE, verifyClientAssertion } from '../tokens/client-assertion.js';
import type { Jwks } from '../tokens/token-types.js';
import { makeCheckpoints } from '../trigger/audit-checkpoint.js';
import { handleError, scrub } from './http-errors.js';
import { JobService, type Outcome } from './job-service.js';
import { boundedHttpServer, serviceLimits, WaiterGate } from './limits.js';
import { readRoutes } from './read-routes.js';
import { authenticateReader, readerPolicy } from './reader-auth.js';

type Jwk = Jwks['keys'][number];

/** worker.keys: name -> a public JWK, inline JSON or a file path (relative to the repository). */
export function workerKeys(config: TaskgateConfig): Map<string, Jwk> {
  const keys = new Map<string, Jwk>();
  for (const [name, value] of Object.entries(config.worker.keys ?? {})) {
    const text = value.trim().startsWith('{')
      ? value
      : readFileSync(isAbsolute(value) ? value : resolve(config.source.root, value), 'utf8');
    keys.set(name, JSON.parse(text) as Jwk);
  }
  return keys;
}

const MAX_TOKEN = 8192;

const assertionBody = {
  type: 'object',
  additionalProperties: false,
  required: ['client_assertion_type', 'client_assertion'],
  properties: {
    client_assertion_type: { const: CLIENT_ASSERTION_TYPE },
    client_assertion: { type: 'string', minLength: 10, maxLength: MAX_TOKEN },
    token: { type: 'string', maxLength: MAX_TOKEN },
    outcome: {
      type: 'object',
      additionalProperties: false,
      properties: {
        exitCode: { type: ['integer', 'null'], minimum: -1024, maximum: 1024 },
        log: { type: ['string', 'null'], maxLength: 4096 },
        reason: { type: ['string', 'null'], maxLength: 1024 },
      },
    },
  },
} as const;

export interface ServerOptions {
  config: TaskgateConfig;
  store: JobStore;
  root: string;
  /** The address the service listens on: `loopback` readers are refused on any other. */
  host: string;
  baseUrl: () => string;
  now?: () => Date;
  /** The service log: details of 5xx answers, never sent to callers. */
  log?: (line: string) => void;
}

/**
 * `taskgate serve`: the JWKS, the OpenID configuration, the policy and a health check for
 * anyone; the worker API (claim, heartbeat, complete, fail, wait) for workers, each request
 * carrying an RFC 7523 assertion bound to it; read APIs for readers (§15).
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config, store } = options;
  const now = options.now ?? (() => new Date());
  const readers = readerPolicy(config, options.host);
  const limits = serviceLimits(config);
  const service = await JobService.create(config, store, now);
  const waiters = new WaiterGate(limits.maxWaiters);
  const app = Fastify({
    logger: false,
    serverFactory: boundedHttpServer(limits),
    bodyLimit: limits.bodyLimit,
    forceCloseConnections: true,
    maxParamLength: 200,
    // the router's own refusals (a parameter too long, a malformed URL) in the same shape as every error
    frameworkErrors: (error, _req, reply) => {
      const answer = reply as unknown as FastifyReply;
      void answer
        .code(400)
        .send({ error: { code: 'ERR_USAGE', message: scrub(error.message), hint: 'see the API in docs/operations.md' } });
    },
    return503OnClosing: true,
    // unknown fields are refused, not dropped; query strings are coerced to the schema's types
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
  });
  app.setErrorHandler(handleError(options.log ?? (() => undefined)));
  app.setNotFoundHandler((req, reply) =>
    reply.status(404).send({ error: { code: 'ERR_USAGE', message: 'no such route', hint: 'see the API in docs/operations.md' } }),
  );
  // a closing service answers its waiting workers at once
  app.addHook('preClose', async () => waiters.closing.abort());
  publicRoutes(app, service, options);
  workerRoutes(app, service, waiters, options, now);
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => {
      authenticateReader({ remoteAddress: req.socket.remoteAddress, headers: req.headers }, readers, config);
    });
    readRoutes(scope, { config, store, root: options.root });
  });
  anchorAudit(app, config, store, now, options.log);
  return app;
}

/** Every minute, a checkpoint of each audit chain when one is due (100 records or 10 minutes, DESIGN §15). */
function anchorAudit(app: FastifyInstance, config: TaskgateConfig, store: JobStore, now: () => Date, log?: (line: string) => void): void {
  const timer = setInterval(() => {
    makeCheckpoints(config, store, now(), true).catch((e: unknown) => log?.(`audit checkpoint: ${(e as Error).message}`));
  }, 60_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}

function publicRoutes(app: FastifyInstance, service: JobService, options: ServerOptions): void {
  const { config } = options;
  app.get('/healthz', async () => ({ ok: true }));
  app.get('/.well-known/jwks.json', async () => service.minter.jwks);
  app.get('/.well-known/openid-configuration', async () => ({
    issuer: config.tokens.issuer,
    jwks_uri: `${options.baseUrl()}/.well-known/jwks.json`,
    id_token_signing_alg_values_supported: ['EdDSA', 'ES256'],
    token_endpoint_auth_methods_supported: ['private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: ['EdDSA'],
  }));
  app.get('/v1/policy', async () => ({
    repo: config.repo,
    gate: { sources: config.gate.sources, bypass: { marker: config.gate.bypass?.marker } },
    policy: config.policy,
    manifest: config.manifest,
  }));
}

/** The worker API: every request carries an assertion bound to its method and path, single-use across restarts and services. */
function workerRoutes(app: FastifyInstance, service: JobService, waiters: WaiterGate, options: ServerOptions, now: () => Date): void {
  const { config, store } = options;
  const keys = workerKeys(config);
  const authenticate = (assertion: unknown, req: FastifyRequest) => {
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
  type Body = { client_assertion: string; token?: string; outcome?: Outcome };
  const post = { schema: { body: assertionBody } };
  app.post('/v1/claim', post, async (req) => ({
    claimed: await service.claim(await authenticate((req.body as Body).client_assertion, req)),
  }));
  app.post('/v1/heartbeat', post, async (req) => {
    const body = req.body as Body;
    return { token: await service.heartbeat(await authenticate(body.client_assertion, req), body.token ?? '') };
  });
  app.post('/v1/complete', post, async (req) => {
    const body = req.body as Body;
    return service.complete(await authenticate(body.client_assertion, req), body.token ?? '', body.outcome ?? {});
  });
  app.post('/v1/fail', post, async (req) => {
    const body = req.body as Body;
    return service.fail(await authenticate(body.client_assertion, req), body.token ?? '', body.outcome ?? {});
  });
  const waitQuery = {
    type: 'object',
    additionalProperties: false,
    properties: { ms: { type: 'integer', minimum: 0, maximum: 25_000 } },
  } as const;
  // a worker's long poll: answered when the store says work may be ready (NOTIFY), or after ms (at most 25 s)
  app.get('/v1/wait', { schema: { querystring: waitQuery } }, async (req, reply) => {
    await authenticate(req.headers[ASSERTION_HEADER], req);
    const hungUp = new AbortController();
    reply.raw.once('close', () => hungUp.abort());
    await waiters.run((signal) => store.waitForWork((req.query as { ms?: number }).ms ?? 0, signal), hungUp.signal);
    return { ok: true };
  });
  app.get('/v1/open', async (req) => {
    await authenticate(req.headers[ASSERTION_HEADER], req);
    return { open: await service.open() };
  });
}
