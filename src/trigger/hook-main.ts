// The trigger's entry points: the hook process's (hooks/changegroup) and the hook server's.
import { releaseLoggers } from '../log/logger.js';
import { writeStderr } from '../log/write-stderr.js';
import { runTrigger } from './run-trigger.js';

/** Entry for hooks/changegroup: returns the exit code; the caller sets process.exitCode. */
export function triggerHook(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runTrigger(argv, env, { write: writeStderr, cwd: process.cwd() });
}

/** Entry for the hook server (src/hook-server/): the same trigger, its words to the pusher through `write`. */
export function serveTrigger(argv: string[], env: NodeJS.ProcessEnv, io: { write: (text: string) => void; cwd: string }): Promise<number> {
  return runTrigger(argv, env, io).finally(releaseLoggers);
}
