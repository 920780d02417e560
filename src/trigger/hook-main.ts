import { writeStderr } from '../log/write-stderr.js';
import { runTrigger } from './run-trigger.js';

/** Entry for hooks/changegroup: returns the exit code; the caller sets process.exitCode. */
export function triggerHook(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runTrigger(argv, env, { write: writeStderr, cwd: process.cwd() });
}
