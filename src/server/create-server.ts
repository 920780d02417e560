// `taskgate serve`: one Fastify app, one plugin per route group, one error handler, bounded work (DESIGN §15).
import Fastify, { type FastifyInstance, type FastifyPluginAsync, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { makeCheckpoints } from '../exchange/audit-checkpoint.js';
import { JobService } from '../exchange/job-service.js';
import type { JobStore } from '../store/store-types.js';
import { errorHandler, scrub } from './error-handler.js';
import { boundedHttpServer, serviceLimits, WaiterGate } from './limits.js';
import { authenticateReader, readerPolicy } from './reader-auth.js';
import { readTls } from './tls.js';
import type { RouteContext } from './route-context.js';
import { logUploadRoutes } from './routes/log-upload.js';
import { jobSourceRoutes } from './routes/job-source.js';
import { policyRoutes } from './routes/policy.js';
import { readRoutes } from './routes/read-api.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { workerRoutes } from './routes/worker-api.js';

interface ServerOptions {
  config: TaskgateConfig;
  store: JobStore;
  root: string;
  /** The address the service listens on: `loopback` readers are refused on any other. */
  host: string;
  baseUrl: () => string;
  now?: () => Date;
  /** The service log: details of 5xx answers, never sent to callers. */
  log?: (line: string) => void;
  /** The web UI's plugin (ui/, handed over by the CLI), registered behind the reader check. */
  pages?: FastifyPluginAsync;
  /** The web UI's 404 page, for any path outside the APIs. */
  pageNotFound?: (req: FastifyRequest, reply: FastifyReply) => FastifyReply;
}

const API_HINT = 'see the API in docs/operations.md';

/**
 * Anyone: the JWKS, the OpenID configuration, the policy and a health check. Workers: the
 * exchange and the long poll, each request with an RFC 7523 assertion bound to it. Readers
 * (a trusted proxy's header and a who-list, or a loopback-only listener): the read APIs.
 */
export async function createServer(options: ServerOptions): Promise<FastifyInstance> {
  const { config } = options;
  const now = options.now ?? (() => new Date());
  const readers = readerPolicy(config, options.host);
  const limits = serviceLimits(config);
  // the certificate first: a configuration error before the keys and the store are opened
  const tls = readTls(config);
  const service = await JobService.create(config, options.store, now);
  const context: RouteContext = { ...options, service, now, waiters: new WaiterGate(limits.maxWaiters) };
  const app = Fastify({
    logger: false,
    serverFactory: boundedHttpServer(limits, tls),
    // only tells Fastify that the addresses it reports are https: the server above is what speaks it
    ...(tls ? { https: tls } : {}),
    bodyLimit: limits.bodyLimit,
    forceCloseConnections: true,
    routerOptions: { maxParamLength: 200 },
    // unknown fields are refused, not dropped; query strings are coerced to the schema's types
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true, allErrors: false } },
    // the router's own refusals (a parameter too long, a malformed URL) in the shape of every error
    frameworkErrors: (error, _req, reply) => {
      void (reply as unknown as FastifyReply)
        .code(400)
        .send({ error: { code: 'ERR_USAGE', message: scrub(error.message), hint: API_HINT } });
    },
  });
  // set before the plugins: they inherit it, so every failure answers through this one handler
  app.setErrorHandler(errorHandler(options.log ?? (() => undefined)));
  app.setNotFoundHandler((req, reply) => {
    if (options.pageNotFound && !/^\/(v1|\.well-known)(\/|$)/.test(req.url)) return options.pageNotFound(req, reply);
    return reply.status(404).send({ error: { code: 'ERR_USAGE', message: 'no such route', hint: API_HINT } });
  });
  // a closing service answers its waiting workers at once
  app.addHook('preClose', async () => context.waiters.closing.abort());
  for (const routes of [wellKnownRoutes, policyRoutes, workerRoutes, logUploadRoutes, jobSourceRoutes]) await app.register(routes, context);
  await app.register(async (scope) => {
    scope.addHook('onRequest', async (req) => {
      authenticateReader({ remoteAddress: req.socket.remoteAddress, headers: req.headers }, readers, config);
    });
    await scope.register(readRoutes, context);
    if (options.pages) await scope.register(options.pages);
  });
  anchorAudit(app, context, options.log);
  return app;
}

/** Every minute, a checkpoint of each audit chain when one is due (100 records or 10 minutes, DESIGN §15). */
function anchorAudit(app: FastifyInstance, { config, store, now }: RouteContext, log?: (line: string) => void): void {
  const timer = setInterval(() => {
    makeCheckpoints(config, store, now(), true).catch((e: unknown) => log?.(`audit checkpoint: ${(e as Error).message}`));
  }, 60_000);
  timer.unref();
  app.addHook('onClose', async () => clearInterval(timer));
}
