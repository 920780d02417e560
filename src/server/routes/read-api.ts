// The read APIs (DESIGN §15): jobs, pushes, lineage and logs, for readers only, every list a page of at most 500.
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { TaskgateError } from '../../errors/taskgate-error.js';
import type { JobStatus } from '../../jobs/job-types.js';
import { logFile, readLogTail } from '../../exchange/job-log.js';
import { lineageOfJobs, resolveJobs } from '../../exchange/lineage.js';
import { decodeCursor, page, publicAttempt, publicJob, publicLineage } from '../read-views.js';
import type { RouteContext } from '../route-context.js';
import { logReadRoutes } from './log-read.js';

const MAX_PAGE = 500;
/** The tail of a log that one answer carries. */
const LOG_TAIL = 1024 * 1024;

const STATUSES = ['pending', 'ready', 'running', 'done', 'failed', 'upstream_failed', 'cancelled', 'expired'];
// printable ASCII without spaces: job ids, push ids (HG_TXNID) and node prefixes
const ID = { type: 'string', minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' } as const;
const pageQuery = (extra: Record<string, unknown> = {}) =>
  ({
    type: 'object',
    additionalProperties: false,
    properties: { limit: { type: 'integer', minimum: 1, maximum: MAX_PAGE }, cursor: { type: 'string', maxLength: 1024 }, ...extra },
  }) as const;
const idParams = { type: 'object', additionalProperties: false, required: ['id'], properties: { id: ID } } as const;

interface PageQuery {
  limit?: number;
  cursor?: string;
  status?: JobStatus;
}

function notFound(what: string, hint: string): TaskgateError {
  return new TaskgateError('ERR_JOB_NOT_FOUND', `no ${what}`, hint);
}

/** Jobs: a page of them, one with its attempts, and an attempt's log by job and attempt. */
function jobRoutes(app: FastifyInstance, { config, store }: RouteContext): void {
  const repo = config.repo.id ? { repo: config.repo.id } : {};
  app.get('/v1/jobs', { schema: { querystring: pageQuery({ status: { enum: STATUSES } }) } }, async (req) => {
    const q = req.query as PageQuery;
    const limit = q.limit ?? 100;
    const after = decodeCursor(q.cursor);
    const rows = await store.listJobs({
      ...repo,
      ...(q.status ? { status: q.status } : {}),
      after: after ?? { createdAt: '', id: '' },
      limit: limit + 1,
    });
    const { items, next } = page(rows, limit);
    return { jobs: items.map(publicJob), next };
  });
  app.get('/v1/jobs/:id', { schema: { params: idParams } }, async (req) => {
    const job = await store.getJob((req.params as { id: string }).id);
    if (!job) throw notFound('such job', 'list jobs with GET /v1/jobs');
    return { job: publicJob(job), attempts: (await store.attemptsOf(job.id)).map((a) => publicAttempt(a, config.worker.logs)) };
  });
  const logParams = {
    ...idParams,
    required: ['id', 'attempt'],
    properties: { id: ID, attempt: { type: 'integer', minimum: 1, maximum: 100_000 } },
  };
  app.get('/v1/jobs/:id/attempts/:attempt/log', { schema: { params: logParams } }, async (req, reply) => {
    const { id, attempt } = req.params as { id: string; attempt: number };
    // the job must exist: its id, from the store, names the folder (no path comes from the request)
    const job = await store.getJob(id);
    const row = job ? (await store.attemptsOf(job.id)).find((a) => a.attempt === attempt) : undefined;
    const tail = job && row ? readLogTail(logFile(config.worker.logs, job.id, attempt), LOG_TAIL) : null;
    if (!tail) throw notFound('log for this job and attempt', 'read it with `taskgate jobs log JOB --attempt N`');
    return reply.type('text/plain; charset=utf-8').send(tail.data);
  });
}

/** Pushes, newest first, and one push with a page of its jobs. */
function pushRoutes(app: FastifyInstance, { config, store }: RouteContext): void {
  const repo = config.repo.id ? { repo: config.repo.id } : {};
  app.get('/v1/pushes', { schema: { querystring: pageQuery() } }, async (req) => {
    const q = req.query as PageQuery;
    const limit = q.limit ?? 100;
    const after = decodeCursor(q.cursor);
    const rows = await store.listPushes({ ...repo, ...(after ? { after } : {}), limit: limit + 1 });
    const { items, next } = page(rows, limit);
    return { pushes: items, next };
  });
  app.get('/v1/pushes/:id', { schema: { params: idParams, querystring: pageQuery() } }, async (req) => {
    const id = (req.params as { id: string }).id;
    const q = req.query as PageQuery;
    const limit = q.limit ?? MAX_PAGE;
    const push = await store.getPush(id);
    if (!push) throw notFound('such push', "push ids are the hooks' HG_TXNID");
    const after = decodeCursor(q.cursor);
    const { items, next } = page(await store.listJobs({ pushId: id, after: after ?? { createdAt: '', id: '' }, limit: limit + 1 }), limit);
    return { push, jobs: items.map(publicJob), next };
  });
}

/** "Why did this run" for a job, a head or a push: a page of lineages, read with one hg process. */
function lineageRoutes(app: FastifyInstance, { config, store, root }: RouteContext): void {
  const refParams = { type: 'object', additionalProperties: false, required: ['ref'], properties: { ref: ID } } as const;
  app.get('/v1/lineage/:ref', { schema: { params: refParams, querystring: pageQuery() } }, async (req) => {
    const ref = (req.params as { ref: string }).ref;
    const q = req.query as PageQuery;
    const limit = q.limit ?? MAX_PAGE;
    const after = decodeCursor(q.cursor);
    const all = await resolveJobs(store, ref, config.repo.id);
    if (all.length === 0) throw notFound('job, head or push matches this reference', 'list jobs with GET /v1/jobs');
    const sorted = all.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? -1 : 1) : a.createdAt < b.createdAt ? -1 : 1));
    const rest = after
      ? sorted.filter((j) => j.createdAt > after.createdAt || (j.createdAt === after.createdAt && j.id > after.id))
      : sorted;
    const { items, next } = page(rest, limit);
    return { lineage: (await lineageOfJobs(items, store, config, root)).map((l) => publicLineage(l)), next };
  });
}

export const readRoutes: FastifyPluginAsync<RouteContext> = async (app, context) => {
  jobRoutes(app, context);
  logReadRoutes(app, context);
  pushRoutes(app, context);
  lineageRoutes(app, context);
};
