/** What the read APIs show of a job, a push or a lineage (DESIGN §15): what a reader needs, never a token, an env value or a server path. */
import { TaskgateError } from '../errors/taskgate-error.js';
import type { AttemptRow, StoredJob } from '../store/store-types.js';
import { logFile, logSize } from '../exchange/job-log.js';
import type { JobLineage } from '../exchange/lineage.js';

/** The URL of an attempt's log on this service: logs are named by job and attempt, never by the file they are kept in. */
function logUrl(jobId: string, attempt: number): string {
  return `/v1/jobs/${encodeURIComponent(jobId)}/attempts/${attempt}/log`;
}

/** An attempt with its log's URL and size (null: no log on this host), never a path a worker sent. */
export function publicAttempt(a: AttemptRow, logs: string): Omit<AttemptRow, 'log'> & { log: string | null; logBytes: number | null } {
  const { log: _path, ...rest } = a;
  const logBytes = logSize(logFile(logs, a.jobId, a.attempt));
  return { ...rest, log: logBytes === null ? null : logUrl(a.jobId, a.attempt), logBytes };
}

/** A job without its token, and its task's env as names only (values may be secrets). */
export function publicJob(job: StoredJob) {
  const { token: _token, tokenExp: _exp, definition, ...rest } = job;
  const { env, ...def } = definition;
  return { ...rest, definition: { ...def, ...(env ? { env: Object.keys(env).sort() } : {}) } };
}

/** Lineage already leaves the log files out; each attempt names its log by this service's URL. */
export function publicLineage(l: JobLineage) {
  return {
    ...l,
    attempts: l.attempts.map((a) => ({ ...a, log: a.logBytes === null ? null : logUrl(a.jobId, a.attempt) })),
  };
}

/** An opaque keyset cursor: the last item of a page (its created_at and id). */
function encodeCursor(item: { createdAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([item.createdAt, item.id])).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): { createdAt: string; id: string } | undefined {
  if (cursor === undefined) return undefined;
  try {
    const [createdAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    if (typeof createdAt === 'string' && typeof id === 'string' && createdAt.length < 64 && id.length < 512) return { createdAt, id };
  } catch {
    // refused below
  }
  throw new TaskgateError(
    'ERR_USAGE',
    'the cursor is not one this service handed out',
    'pass the `next` value of the previous page unchanged',
  );
}

/** One page of a list: at most `limit` items and the cursor of the next page (null at the end). */
export function page<T extends { createdAt: string; id: string }>(rows: T[], limit: number): { items: T[]; next: string | null } {
  const items = rows.slice(0, limit);
  return { items, next: rows.length > limit ? encodeCursor(items[items.length - 1]!) : null };
}
