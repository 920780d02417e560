// The read APIs: jobs, pushes and lineage, never with a token (DESIGN §10, §11).
import type { FastifyPluginAsync } from 'fastify';
import { TaskgateError } from '../../errors/taskgate-error.js';
import { lineageOf, resolveJobs } from '../../exchange/lineage.js';
import type { JobStatus } from '../../jobs/job-types.js';
import { publicJob, type RouteContext } from '../route-context.js';

const STATUSES: JobStatus[] = ['pending', 'ready', 'running', 'done', 'failed', 'upstream_failed', 'cancelled', 'expired'];

const jobsSchema = {
  querystring: { type: 'object', properties: { open: { type: 'string' }, status: { type: 'string', enum: STATUSES } } },
} as const;

const byId = (name: string) => ({ params: { type: 'object', required: [name], properties: { [name]: { type: 'string', minLength: 1 } } } });

export const readRoutes: FastifyPluginAsync<RouteContext> = async (app, { config, store, service, root }) => {
  const repo = config.repo.id ? { repo: config.repo.id } : {};

  app.get<{ Querystring: { open?: string; status?: JobStatus } }>('/v1/jobs', { schema: jobsSchema }, async (req) => {
    if (req.query.open) return { open: await service.open() };
    const status = req.query.status ? { status: req.query.status } : {};
    return { jobs: (await store.listJobs({ ...repo, ...status })).map(publicJob) };
  });
  app.get<{ Params: { id: string } }>('/v1/jobs/:id', { schema: byId('id') }, async (req) => {
    const job = await store.getJob(req.params.id);
    if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${req.params.id}`, 'list jobs with GET /v1/jobs');
    return { job: publicJob(job) };
  });
  app.get<{ Params: { id: string } }>('/v1/pushes/:id', { schema: byId('id') }, async (req) => {
    const push = await store.getPush(req.params.id);
    if (!push) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no push ${req.params.id}`, "push ids are the hooks' HG_TXNID");
    return { push, jobs: (await store.listJobs({ pushId: req.params.id })).map(publicJob) };
  });
  app.get<{ Params: { ref: string } }>('/v1/lineage/:ref', { schema: byId('ref') }, async (req) => {
    const jobs = await resolveJobs(store, req.params.ref, config.repo.id);
    if (jobs.length === 0)
      throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job, head or push matches ${req.params.ref}`, 'list jobs with GET /v1/jobs');
    return { lineage: await Promise.all(jobs.map((j) => lineageOf(j, store, config, root))) };
  });
};
