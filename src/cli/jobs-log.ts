// `taskgate jobs log ID [--attempt N] [--follow] [--server URL]`: a job's log from the store's host, read locally or through `taskgate serve`.
import { isErrorCode } from '../errors/error-codes.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { readJobLog, type LogPiece } from '../exchange/job-log.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import type { CliIo } from './cli-io.js';

/** How often a follower asks for more. */
const POLL_MS = 500;
/** A follower gives up after this long, whatever happens: no task runs longer than a day (DESIGN §14). */
const FOLLOW_MAX_MS = 25 * 3600 * 1000;
/** The most one local read takes. */
const PIECE = 1024 * 1024;

type ReadPiece = (query: { attempt?: number; offset: number }) => Promise<LogPiece>;

/**
 * The attempt's log from its start; with `follow`, new output as it comes, until the attempt
 * ends. With `json`, one object once it is all read: `{ job, attempt, bytes, log }`.
 */
export async function printJobLog(
  read: ReadPiece,
  jobId: string,
  options: { attempt?: number; follow: boolean; json?: boolean },
  io: CliIo,
): Promise<void> {
  let attempt = options.attempt;
  let offset = 0;
  // a character split between two pieces is printed whole
  const decoder = new TextDecoder();
  let text = '';
  const out = (s: string) => (options.json ? (text += s) : io.out(s));
  const deadline = Date.now() + FOLLOW_MAX_MS;
  for (;;) {
    const piece = await read({ ...(attempt ? { attempt } : {}), offset });
    if (piece.attempt === 0 && (!options.follow || piece.ended))
      throw new TaskgateError('ERR_JOB_NOT_FOUND', `job ${jobId} has not run`, 'follow it with --follow until a worker claims it');
    // the first attempt read is the one followed to its end
    if (piece.attempt > 0) attempt = piece.attempt;
    if (piece.data.length > 0) out(decoder.decode(piece.data, { stream: true }));
    offset = piece.next;
    if (piece.next < piece.size) continue;
    if (!options.follow || (piece.ended && piece.attempt > 0)) break;
    if (Date.now() > deadline) {
      io.err(`taskgate jobs log: stopped following after ${FOLLOW_MAX_MS / 3_600_000} h\n`);
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  out(decoder.decode());
  if (options.json) io.out(`${JSON.stringify({ job: jobId, attempt: attempt ?? null, bytes: offset, log: text })}\n`);
}

/** On the store's host: the log file under worker.logs. */
export function localReader(store: JobStore, logs: string, job: StoredJob): ReadPiece {
  return (query) => readJobLog(store, logs, job, { ...query, max: PIECE });
}

/** Through `taskgate serve`: its read API, as a reader (a loopback listener, or a proxy that takes the URL's user info as Basic auth). */
export function remoteReader(server: string, jobId: string): ReadPiece {
  const base = new URL(server);
  const headers: Record<string, string> = {};
  if (base.username)
    headers['authorization'] =
      `Basic ${Buffer.from(`${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`).toString('base64')}`;
  base.username = '';
  base.password = '';
  return async (query) => {
    const url = new URL(`/v1/jobs/${encodeURIComponent(jobId)}/log`, base);
    if (query.attempt) url.searchParams.set('attempt', String(query.attempt));
    url.searchParams.set('offset', String(query.offset));
    const r = await fetch(url, { headers, signal: AbortSignal.timeout(30_000) }).catch((error: Error) => {
      throw new TaskgateError(
        'ERR_STORE_UNAVAILABLE',
        `taskgate serve at ${base.origin} cannot be reached (${String((error.cause as { code?: string } | undefined)?.code ?? error.message)})`,
        'start `taskgate serve`, or check the --server URL',
      );
    });
    const body = (await r.json().catch(() => null)) as (Omit<LogPiece, 'data'> & { data: string }) | null;
    if (!r.ok || !body) throw answerError(r.status, body);
    return { ...body, data: Buffer.from(body.data, 'base64') };
  };
}

/** The service's own error, code and hint kept. */
function answerError(status: number, body: unknown): TaskgateError {
  const e = (body as { error?: { code?: string; message?: string; hint?: string } } | null)?.error;
  return new TaskgateError(
    isErrorCode(e?.code) ? e.code : 'ERR_INTERNAL',
    e?.message ?? `taskgate serve answered ${status}`,
    e?.hint ?? 'see the service log',
  );
}
