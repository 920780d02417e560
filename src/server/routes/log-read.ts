// `GET /v1/jobs/{id}/log?attempt=N&offset=K`: an attempt's log from an offset, for readers and `taskgate jobs log --server`.
import type { FastifyInstance } from 'fastify';
import { TaskgateError } from '../../errors/taskgate-error.js';
import { readJobLog } from '../../exchange/job-log.js';
import type { RouteContext } from '../route-context.js';

/** The most one answer carries: a follower asks again from `next`. */
const LOG_PIECE = 1024 * 1024;

const schema = {
  params: {
    type: 'object',
    additionalProperties: false,
    required: ['id'],
    properties: { id: { type: 'string', pattern: '^[0-9a-f]{8,64}$' } },
  },
  querystring: {
    type: 'object',
    additionalProperties: false,
    properties: {
      attempt: { type: 'integer', minimum: 1, maximum: 100_000 },
      offset: { type: 'integer', minimum: 0, maximum: Number.MAX_SAFE_INTEGER },
    },
  },
} as const;

/** Readers only (registered behind the reader check): bytes as base64, where to ask next, and whether the attempt has ended. */
export function logReadRoutes(app: FastifyInstance, { config, store }: RouteContext): void {
  app.get<{ Params: { id: string }; Querystring: { attempt?: number; offset?: number } }>('/v1/jobs/:id/log', { schema }, async (req) => {
    // a full id, or a prefix of one as people type it
    const job = (await store.getJob(req.params.id)) ?? (await store.listJobs({ idPrefix: req.params.id, limit: 1 }))[0];
    if (!job || (config.repo.id && job.repo !== config.repo.id))
      throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${req.params.id}`, 'list jobs with GET /v1/jobs');
    const piece = await readJobLog(store, config.worker.logs, job, { ...req.query, max: LOG_PIECE });
    return { ...piece, data: piece.data.toString('base64') };
  });
}
