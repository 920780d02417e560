// A remote worker's log on its way to the service: read back from the local log file and sent in chunks by offset, retried with backoff, never failing the job.
import { readLogRange } from '../exchange/job-log.js';
import { isTaskgateError } from '../errors/taskgate-error.js';

/** The largest chunk one request carries (the service refuses more). */
const CHUNK = 64 * 1024;
/** How often what the task wrote is sent. */
const INTERVAL_MS = 1000;
/** The longest pause after failed uploads. */
const MAX_BACKOFF_MS = 30_000;
/** How long the final flush may take before the job completes without it (the local copy stays). */
const FLUSH_MS = 20_000;

/** Sends `data` at `offset` of the attempt's log; answers where the service's copy now ends and whether it was cut. */
export type SendLog = (offset: number, data: Buffer) => Promise<{ offset: number; cut: boolean }>;

export interface LogUpload {
  /** Sends what the task wrote past the last chunk now, rather than at the next tick (a full chunk waits). */
  nudge(written: number): void;
  /** The last chunks, sent before complete or fail; bounded in time, never throws. */
  flush(): Promise<void>;
  /** No more uploads (the lease was lost). */
  stop(): void;
}

/**
 * Every second (or as soon as a full chunk waits), sends what the local log holds past the
 * service's copy. The file is read back, so what is sent was already written locally: the
 * local copy is the source, and a chunk the service already has is acknowledged, not duplicated.
 */
export function startLogUpload(path: string, send: SendLog, log: (line: string) => void): LogUpload {
  let sent = 0;
  let done = false;
  let failures = 0;
  let notBefore = 0;
  let busy: Promise<void> | null = null;

  /** One round: chunks until the local file has nothing more, or one fails. */
  async function pump(): Promise<boolean> {
    for (;;) {
      const piece = readLogRange(path, sent, CHUNK);
      if (!piece || piece.data.length === 0 || done) return true;
      try {
        const answer = await send(sent, piece.data);
        sent = answer.offset;
        failures = 0;
        // the service cut the log at resources.log: nothing more is kept there
        if (answer.cut) done = true;
      } catch (error) {
        // the service holds less than we thought (its copy was removed): send it all again
        if (isTaskgateError(error) && error.code === 'ERR_LOG_OFFSET') sent = 0;
        if (failures === 0) log(`taskgate worker: log upload failed (${(error as Error).message}); retrying, the local copy stays`);
        failures += 1;
        notBefore = Date.now() + Math.min(INTERVAL_MS * 2 ** failures, MAX_BACKOFF_MS);
        return false;
      }
    }
  }

  function tick(): void {
    if (busy || done || Date.now() < notBefore) return;
    busy = pump()
      .then(() => undefined)
      .finally(() => {
        busy = null;
      });
  }

  const timer = setInterval(tick, INTERVAL_MS);
  timer.unref();
  return {
    nudge(written) {
      if (written - sent >= CHUNK) tick();
    },
    async flush() {
      clearInterval(timer);
      await busy;
      const deadline = Date.now() + FLUSH_MS;
      while (!done && !(await pump()) && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, Math.min(Math.max(0, notBefore - Date.now()), deadline - Date.now())));
      if (!done && (readLogRange(path, sent, 1)?.data.length ?? 0) > 0)
        log(`taskgate worker: the end of the log could not be sent; it stays on this host`);
      done = true;
    },
    stop() {
      done = true;
      clearInterval(timer);
    },
  };
}
