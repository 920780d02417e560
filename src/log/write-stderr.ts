/** A hook's words to the pusher: written straight to fd 2, in order, before the next line runs. */
import { writeSync } from 'node:fs';

/** How long a full pipe may hold a hook (a pusher's channel that stopped reading): then the rest is dropped. */
const FULL_PIPE_MS = 10_000;
const PAUSE_MS = 5;

/**
 * Writes `text` to standard error at once. `process.stderr` would do the same on a pipe, but
 * setting it up costs each hook newly touched pages (≈ 30 on the pipe hg gives a hook, ≈ 150 on
 * a terminal; DESIGN §13). A pipe someone made
 * non-blocking is waited on, within a bound; a closed one (the pusher left) drops the text.
 */
export function writeStderr(text: string): void {
  let rest = Buffer.from(text, 'utf8');
  let waited = 0;
  while (rest.length > 0) {
    try {
      rest = rest.subarray(writeSync(2, rest));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || waited >= FULL_PIPE_MS) return;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, PAUSE_MS);
      waited += PAUSE_MS;
    }
  }
}
