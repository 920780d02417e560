// The service's copy of a remote worker's log (DESIGN §14 "Logs travel"): chunks by offset from the holder of the running token, cut at resources.log.
import { closeSync, fstatSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { taskLimits } from '../sandbox/limits.js';
import type { StoredJob } from '../store/store-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import type { JobService } from './job-service.js';
import { cutMarker, logFile } from './job-log.js';

/** The largest chunk one request carries. */
export const MAX_LOG_CHUNK = 64 * 1024;

export interface LogChunk {
  worker: string;
  token: string;
  jobId: string;
  /** Where the chunk starts in the worker's log. */
  offset: number;
  data: Buffer;
}

function refused(
  message: string,
  hint = 'only the worker running the job, with its current running token, may send its log',
): TaskgateError {
  return new TaskgateError('ERR_TOKEN_INVALID', message, hint);
}

/** The job, if `token` is its current running token and `worker` holds it; every other caller is refused. */
async function heldJob(service: JobService, chunk: LogChunk, now: Date): Promise<StoredJob> {
  const { config, store } = service;
  const v = await verifyJobToken(chunk.token, service.minter.jwks, {
    issuer: config.tokens.issuer,
    audience: config.tokens.audience,
    kinds: ['running'],
    now,
  });
  const act = v.claims['act'] as { sub?: string } | undefined;
  if (act?.sub !== chunk.worker) throw refused(`the running token belongs to ${String(act?.sub)}, not ${chunk.worker}`);
  if (v.claims['job'] !== chunk.jobId) throw refused(`the running token is for another job than ${chunk.jobId}`);
  const job = await store.getJob(chunk.jobId);
  if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${chunk.jobId}`, 'claim another job');
  if (service.repos && !service.repos.includes(job.repo))
    throw new TaskgateError('ERR_FORBIDDEN', `job ${job.id} belongs to another repository`, 'a worker sends logs of its own jobs only');
  if (job.status !== 'running') throw refused(`job ${job.id} is ${job.status}: its log is closed`, 'a log is sent while its job runs');
  if (job.tokenJti !== v.claims.jti) throw refused(`the running token of job ${job.id} is not its current one`);
  return job;
}

/**
 * Appends a chunk to the job's log on this host. The file's size is where the log stands: a
 * chunk already written (a retry) is acknowledged without writing, a chunk past the end (a gap)
 * is refused with the size to resume from, and past `resources.log` the log is cut with a marker.
 */
export async function appendJobLog(service: JobService, chunk: LogChunk, now: Date): Promise<{ offset: number; cut: boolean }> {
  const job = await heldJob(service, chunk, now);
  const path = logFile(service.config.worker.logs, job.id, job.attempts);
  if (!path) throw refused(`job ${chunk.jobId} has no log on this service`);
  const limit = taskLimits(job.definition, `task ${job.task}`).logBytes;
  return { offset: chunk.offset + chunk.data.length, cut: writeChunk(path, chunk, limit) };
}

/** Synchronous, so two requests carrying the same chunk never both find it missing. */
function writeChunk(path: string, { offset, data }: LogChunk, limit: number): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o750 });
  const fd = openSync(path, 'a', 0o640);
  try {
    const size = fstatSync(fd).size;
    if (size > limit) return true;
    if (offset > size)
      throw new TaskgateError(
        'ERR_LOG_OFFSET',
        `the log chunk starts at byte ${offset}, but the service holds ${size} bytes of this log`,
        `send the log again from byte ${size}`,
      );
    const fresh = data.subarray(size - offset);
    const room = limit - size;
    if (fresh.length <= room) {
      if (fresh.length > 0) writeSync(fd, fresh);
      return false;
    }
    writeSync(fd, fresh.subarray(0, room));
    writeSync(fd, cutMarker(limit));
    return true;
  } finally {
    closeSync(fd);
  }
}
