// Entry point of the pretxnclose bundle (hooks/pretxnclose).
import { writeStderr } from '../log/write-stderr.js';
import { runRefsGate } from './run-refs-gate.js';

/** Entry for hooks/pretxnclose: returns the exit code; the caller sets process.exitCode. */
export function refsHook(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runRefsGate(argv, env, { write: writeStderr, cwd: process.cwd() });
}
