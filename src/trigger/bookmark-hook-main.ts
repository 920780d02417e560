// Entry point of the bookmark trigger bundle (hooks/txnclose-bookmark).
import { writeStderr } from '../log/write-stderr.js';
import { runBookmarkTrigger } from './bookmark-trigger.js';

/** Entry for hooks/txnclose-bookmark: returns the exit code; the caller sets process.exitCode. */
export function bookmarkHook(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runBookmarkTrigger(argv, env, { write: writeStderr, cwd: process.cwd() });
}
