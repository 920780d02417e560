import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError, isTaskgateError } from '../errors/taskgate-error.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import { CLIENT_ASSERTION_TYPE, verifyClientAssertion } from '../tokens/client-assertion.js';
import type { Jwks } from '../tokens/token-types.js';
import { JobService, type Outcome } from './job-service.js';
import { lineageOfJobs, resolveJobs } from './lineage.js';

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

function publicJob(job: StoredJob): Omit<StoredJob, 'token'> {
  const { token: _token, ...rest } = job;
  return rest;
}

const assertionBody = {
  type: 'object',
  required: ['client_assertion_type', 'client_assertion'],
  properties: {
    client_assertion_type: { const: CLIENT_ASSERTION_TYPE },
    client_assertion: { type: 'string', minLength: 10 },
    token: { type: 'string' },
    outcome: {
      type: 'object',
      properties: { exitCode: { type: ['integer', 'null'] }, log: { type: ['string', 'null'] }, reason: { type: ['string', 'null'] } },
    },
  },
} as const;

/**
 * `taskgate serve`: the JWKS and OpenID configuration, the worker API (claim, heartbeat,
 * complete, fail; each request authenticated by the worker's own key through an RFC 7523
 * client assertion, never a shared secret), and read APIs for jobs, pushes and lineage.
 */
export async function createServer(options: {
  config: TaskgateConfig;
  store: JobStore;
  root: string;
  baseUrl: () => string;
  now?: () => Date;
}): Promise<FastifyInstance> {
  const { config, store, root } = options;
  const now = options.now ?? (() => new Date());
  const service = await JobService.create(config, store, now);
  const keys = workerKeys(config);
  const app = Fastify({ logger: false });

  app.setErrorHandler((error, _req, reply) => {
    if (isTaskgateError(error)) {
      const status = error.code === 'ERR_JOB_NOT_FOUND' ? 404 : error.code === 'ERR_TOKEN_INVALID' ? 401 : 400;
      return reply.status(status).send({ error: error.toJSON() });
    }
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    return reply.status(status).send({
      error: {
        code: status === 400 ? 'ERR_USAGE' : 'ERR_INTERNAL',
        message: (error as Error).message,
        hint: status === 400 ? 'see the API in docs/operations.md' : 'see the service log',
      },
    });
  });

  const authenticate = async (body: { client_assertion: string }, req: FastifyRequest) =>
    verifyClientAssertion(body.client_assertion, keys, {
      audience: config.tokens.issuer,
      now: now(),
      request: { method: req.method, path: req.url.split('?')[0] ?? '' },
      use: (jti, exp) => store.useAssertion(jti, exp, Math.floor(now().getTime() / 1000)),
    });

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

  // a worker's long poll: answered when the store says work may be ready (NOTIFY), or after ms (at most 25 s)
  app.get('/v1/wait', async (req, reply) => {
    const ms = Math.min(25_000, Math.max(0, Number((req.query as { ms?: string }).ms ?? 0) || 0));
    const gone = new AbortController();
    // the worker hung up (it stopped): stop waiting for it
    reply.raw.once('close', () => gone.abort());
    await store.waitForWork(ms, gone.signal);
    return { ok: true };
  });

  app.post('/v1/claim', { schema: { body: assertionBody } }, async (req) => {
    const worker = await authenticate(req.body as { client_assertion: string }, req);
    return { claimed: await service.claim(worker) };
  });
  app.post('/v1/heartbeat', { schema: { body: assertionBody } }, async (req) => {
    const body = req.body as { client_assertion: string; token?: string };
    const worker = await authenticate(body, req);
    return { token: await service.heartbeat(worker, body.token ?? '') };
  });
  app.post('/v1/complete', { schema: { body: assertionBody } }, async (req) => {
    const body = req.body as { client_assertion: string; token?: string; outcome?: Outcome };
    const worker = await authenticate(body, req);
    return service.complete(worker, body.token ?? '', body.outcome ?? {});
  });
  app.post('/v1/fail', { schema: { body: assertionBody } }, async (req) => {
    const body = req.body as { client_assertion: string; token?: string; outcome?: Outcome };
    const worker = await authenticate(body, req);
    return service.fail(worker, body.token ?? '', body.outcome ?? {});
  });

  app.get('/v1/jobs', async (req) => {
    const q = req.query as { open?: string; status?: string };
    if (q.open) return { open: await service.open() };
    return {
      jobs: (
        await store.listJobs({
          ...(config.repo.id ? { repo: config.repo.id } : {}),
          ...(q.status ? { status: q.status as StoredJob['status'] } : {}),
        })
      ).map(publicJob),
    };
  });
  app.get('/v1/jobs/:id', async (req) => {
    const job = await store.getJob((req.params as { id: string }).id);
    if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${(req.params as { id: string }).id}`, 'list jobs with GET /v1/jobs');
    return { job: publicJob(job) };
  });
  app.get('/v1/pushes/:id', async (req) => {
    const id = (req.params as { id: string }).id;
    const push = await store.getPush(id);
    if (!push) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no push ${id}`, "push ids are the hooks' HG_TXNID");
    return { push, jobs: (await store.listJobs({ pushId: id })).map(publicJob) };
  });
  app.get('/v1/lineage/:ref', async (req) => {
    const ref = (req.params as { ref: string }).ref;
    const jobs = await resolveJobs(store, ref, config.repo.id);
    if (jobs.length === 0)
      throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job, head or push matches ${ref}`, 'list jobs with GET /v1/jobs');
    return { lineage: await lineageOfJobs(jobs, store, config, root) };
  });
  return app;
}
