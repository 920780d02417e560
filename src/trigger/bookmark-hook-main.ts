// Entry point of the bookmark trigger bundle (hooks/txnclose-bookmark).
import { runBookmarkTrigger } from './bookmark-trigger.js';

/** Entry for hooks/txnclose-bookmark: returns the exit code; the caller sets process.exitCode. */
export function bookmarkHook(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return runBookmarkTrigger(argv, env, { write: (text) => process.stderr.write(text), cwd: process.cwd() });
}
