/** Who may read a running job's inputs (its source, DESIGN §14): only the worker holding the job's current running token. */
import { TaskgateError } from '../errors/taskgate-error.js';
import type { StoredJob } from '../store/store-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import type { JobService } from './job-service.js';

function refuse(message: string): never {
  throw new TaskgateError('ERR_TOKEN_INVALID', message, "only the worker holding a running job's current token may read it");
}

/**
 * The job `jobId`, once `token` proves `worker` holds it now: a running token of this service, held
 * by `worker` (act.sub), for this job, revision and repository, and the job's current one (not rotated
 * by a heartbeat, not of a finished or queued job), the lease still running. A job of a repository
 * this service does not serve is refused as if it did not exist.
 */
export async function heldJob(service: JobService, worker: string, token: string, jobId: string, now: Date): Promise<StoredJob> {
  const v = await verifyJobToken(token, service.minter.jwks, {
    issuer: service.config.tokens.issuer,
    audience: service.config.tokens.audience,
    kinds: ['running'],
    now,
  }).catch((error: Error) => refuse(`the running token is refused: ${error.message}`));
  const c = v.claims;
  if ((c['act'] as { sub?: unknown } | undefined)?.sub !== worker) refuse(`the running token is not held by ${worker}`);
  if (c['job'] !== jobId) refuse(`the running token is for another job than ${jobId}`);
  const job = await service.store.getJob(jobId);
  if (!job || (service.repos && !service.repos.includes(job.repo)))
    throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${jobId}`, 'claim another job');
  if (c['repo'] !== job.repo || c['rev'] !== job.rev) refuse(`the running token is for another revision than job ${jobId}`);
  const secs = Math.floor(now.getTime() / 1000);
  if (job.status !== 'running' || job.worker !== worker || job.tokenJti !== c.jti || (job.leaseExpires ?? 0) < secs)
    refuse(`the token is not job ${jobId}'s current running token (the job is ${job.status})`);
  return job;
}
