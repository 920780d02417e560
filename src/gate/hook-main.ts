// The gate's entry points: the hook process's (hooks/pretxnchangegroup) and the hook server's.
import { releaseLoggers } from '../log/logger.js';
import { writeStderr } from '../log/write-stderr.js';
import type { ChgSession } from '../hg/chg-session.js';
import { runGate } from './run-gate.js';

/** Entry for hooks/pretxnchangegroup: returns the exit code; the caller sets process.exitCode. */
export function gateHook(argv: string[], env: NodeJS.ProcessEnv, session: ChgSession | null = null): Promise<number> {
  return runGate(argv, env, { write: writeStderr, cwd: process.cwd(), session });
}

/** Entry for the hook server (src/hook-server/): the same gate, its words to the pusher through `write`. */
export function serveGate(
  argv: string[],
  env: NodeJS.ProcessEnv,
  io: { write: (text: string) => void; cwd: string },
  session: ChgSession | null,
): Promise<number> {
  return runGate(argv, env, { ...io, session }).finally(releaseLoggers);
}
