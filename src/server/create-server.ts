// `taskgate serve`: one Fastify app, one plugin per route group, one error handler.
import Fastify, { type FastifyInstance, type FastifyPluginAsync } from 'fastify';
import type { TaskgateConfig } from '../config/config-types.js';
import { JobService } from '../exchange/job-service.js';
import type { JobStore } from '../store/store-types.js';
import { errorHandler } from './error-handler.js';
import { readerGuard } from './reader-guard.js';
import type { RouteContext } from './route-context.js';
import { policyRoutes } from './routes/policy.js';
import { readRoutes } from './routes/read-api.js';
import { wellKnownRoutes } from './routes/well-known.js';
import { workerRoutes } from './routes/worker-api.js';

/**
 * The JWKS and OpenID configuration, the policy, the worker API (claim, heartbeat, complete,
 * fail; each request authenticated by the worker's own key through an RFC 7523 client
 * assertion, never a shared secret), and read APIs for jobs, pushes and lineage.
 */
export async function createServer(options: {
  config: TaskgateConfig;
  store: JobStore;
  root: string;
  baseUrl: () => string;
  now?: () => Date;
  /** The web UI's plugin (ui/, handed over by the CLI), registered behind the reader check. */
  pages?: FastifyPluginAsync;
}): Promise<FastifyInstance> {
  const now = options.now ?? (() => new Date());
  const service = await JobService.create(options.config, options.store, now);
  const context: RouteContext = { ...options, service, now };
  const app = Fastify({ logger: false });
  // set before the plugins: they inherit it, so every failure answers through this one handler
  app.setErrorHandler(errorHandler);
  for (const routes of [wellKnownRoutes, policyRoutes, workerRoutes, readRoutes]) await app.register(routes, context);
  const pages = options.pages;
  if (pages)
    await app.register(async (readers) => {
      readers.addHook('onRequest', readerGuard);
      await readers.register(pages);
    });
  return app;
}
