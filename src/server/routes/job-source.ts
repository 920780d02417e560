// GET /v1/jobs/{id}/source (DESIGN §14): `hg archive -t tar` of exactly the job's node, streamed to the worker holding its running token.
import type { FastifyPluginAsync } from 'fastify';
import { heldJob } from '../../exchange/running-holder.js';
import { archiveStream } from '../../hg/archive.js';
import { ASSERTION_HEADER } from '../../tokens/client-assertion.js';
import { serviceLimits, Slots } from '../limits.js';
import type { RouteContext } from '../route-context.js';
import { MAX_TOKEN, workerAuthenticator } from '../worker-auth.js';

/** The header carrying the job's running token (a GET has no body). */
export const RUNNING_TOKEN_HEADER = 'taskgate-running-token';

const sourceSchema = {
  params: { type: 'object', properties: { id: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,100}$' } }, required: ['id'] },
  headers: { type: 'object', properties: { [RUNNING_TOKEN_HEADER]: { type: 'string', maxLength: MAX_TOKEN } } },
} as const;

export const jobSourceRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, store, service, now, root }) => {
  const authenticate = workerAuthenticator(config, store, now);
  const archives = new Slots(serviceLimits(config).maxArchives, 'source archives');
  app.get<{ Params: { id: string } }>('/v1/jobs/:id/source', { schema: sourceSchema }, async (req, reply) => {
    const worker = await authenticate(req.headers[ASSERTION_HEADER], req);
    const token = req.headers[RUNNING_TOKEN_HEADER];
    const job = await heldJob(service, worker, typeof token === 'string' ? token : '', req.params.id, now());
    const release = archives.take();
    const archive = archiveStream(root, job.rev);
    // the worker hung up, or the answer ended: hg stops, the slot is free
    reply.raw.once('close', () => {
      archive.kill();
      release();
    });
    archive.done.catch((error: Error) => {
      // the headers are gone: the worker sees a cut tar and fails the job; the reason is for the service log
      req.log.error(error.message);
      reply.raw.destroy(error);
    });
    return reply.header('content-type', 'application/x-tar').header('cache-control', 'no-store').send(archive.stdout);
  });
};
