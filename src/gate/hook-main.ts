import { writeStderr } from '../log/write-stderr.js';
import type { ChgSession } from '../hg/chg-session.js';
import { runGate } from './run-gate.js';

/** Entry for hooks/pretxnchangegroup: returns the exit code; the caller sets process.exitCode. */
export function gateHook(argv: string[], env: NodeJS.ProcessEnv, session: ChgSession | null = null): Promise<number> {
  return runGate(argv, env, { write: writeStderr, cwd: process.cwd(), session });
}
