// A job's log on the store's host (worker.logs/JOB/ATTEMPT.log): the one place that finds it, reads its tail or a range, and names it.
import { closeSync, fstatSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobStore, StoredJob } from '../store/store-types.js';

/** Job ids are hex (DESIGN §7); anything else never reaches a path. */
export function logFile(logs: string, jobId: string, attempt: number): string | null {
  if (!/^[0-9a-f]{8,64}$/.test(jobId) || !Number.isInteger(attempt) || attempt < 1) return null;
  return join(logs, jobId, `${attempt}.log`);
}

/** A claimed attempt starts with an empty log here: a job retried from scratch reuses its attempt numbers. */
export function startJobLog(logs: string, jobId: string, attempt: number): void {
  const path = logFile(logs, jobId, attempt);
  if (path) rmSync(path, { force: true });
}

/** The marker line that ends a log cut at its limit (resources.log), on the worker and on the service alike. */
export function cutMarker(limitBytes: number): string {
  return `\n[taskgate: log cut at ${limitBytes} bytes (resources.log); the rest of the output was dropped]\n`;
}

/** The size of a log, or null when this host has none. */
export function logSize(path: string | null): number | null {
  if (!path) return null;
  try {
    return statSync(path).size;
  } catch {
    return null;
  }
}

/** Up to `max` bytes from `offset` (clamped to the file), and the file's size; null when this host has no such log. */
export function readLogRange(path: string | null, offset: number, max: number): { data: Buffer; size: number } | null {
  if (!path) return null;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const start = Math.min(Math.max(0, offset), size);
    const data = Buffer.alloc(Math.min(size - start, max));
    const read = data.length > 0 ? readSync(fd, data, 0, data.length, start) : 0;
    return { data: data.subarray(0, read), size };
  } finally {
    closeSync(fd);
  }
}

/** The last `max` bytes (all when max is Infinity), or null when this host has no such log. */
export function readLogTail(path: string | null, max: number): { data: Buffer; size: number; cut: boolean } | null {
  const size = logSize(path);
  if (size === null) return null;
  const want = Math.min(size, max);
  const r = readLogRange(path, size - want, want);
  return r ? { data: r.data, size: r.size, cut: r.data.length < r.size } : null;
}

/** A log named for people and tools: its attempt, its size and the command that shows it; never the file it is kept in. */
export function logLabel(jobId: string, attempt: number, bytes: number): string {
  return `log: attempt ${attempt}, ${humanBytes(bytes)} — taskgate jobs log ${jobId} --attempt ${attempt}`;
}

function humanBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  if (n < 1_000_000) return `${(n / 1000).toFixed(1)} kB`;
  return `${(n / 1_000_000).toFixed(1)} MB`;
}

/** A piece of an attempt's log from an offset, and whether the attempt has ended (then nothing more will come). */
export interface LogPiece {
  job: string;
  attempt: number;
  offset: number;
  /** Where the next read starts. */
  next: number;
  size: number;
  ended: boolean;
  data: Buffer;
}

/**
 * The attempt's log from `offset` (at most `max` bytes): attempt N, or the latest (attempt 0
 * while the job has not run). Whether the attempt ended is read before the file, so an ended
 * attempt's answer holds all of its log.
 */
export async function readJobLog(
  store: JobStore,
  logs: string,
  job: StoredJob,
  query: { attempt?: number; offset?: number; max: number },
): Promise<LogPiece> {
  const fresh = (await store.getJob(job.id)) ?? job;
  const attempts = await store.attemptsOf(job.id);
  const row = query.attempt === undefined ? attempts.at(-1) : attempts.find((a) => a.attempt === query.attempt);
  // not claimed yet: nothing to read, and `ended` says whether it never will be
  if (!row && query.attempt === undefined) {
    const ended = !['pending', 'ready', 'running'].includes(fresh.status);
    return { job: job.id, attempt: 0, offset: 0, next: 0, size: 0, ended, data: Buffer.alloc(0) };
  }
  if (!row)
    throw new TaskgateError(
      'ERR_JOB_NOT_FOUND',
      `job ${job.id} has no attempt ${query.attempt}`,
      attempts.length ? `its attempts are 1 to ${attempts.length}` : 'it has not run yet',
    );
  const ended = row.endedAt !== null || fresh.status !== 'running' || fresh.attempts !== row.attempt;
  const offset = query.offset ?? 0;
  const piece = readLogRange(logFile(logs, job.id, row.attempt), offset, query.max);
  if (!piece && ended) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no log of job ${job.id} attempt ${row.attempt} on this host`, logHint);
  const data = piece?.data ?? Buffer.alloc(0);
  const start = Math.min(offset, piece?.size ?? 0);
  return { job: job.id, attempt: row.attempt, offset: start, next: start + data.length, size: piece?.size ?? 0, ended, data };
}

const logHint = 'a worker older than the log upload kept the log where it ran';
