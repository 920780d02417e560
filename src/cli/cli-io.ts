/** The CLI's window on the world (output, environment, clock) and how it prints an error. */
import { exitCodeOf } from '../errors/error-codes.js';
import { formatError, toTaskgateError } from '../errors/taskgate-error.js';
import { maskUrls } from '../store/safe-url.js';

export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** stderr is a terminal: progress lines. */
  isTTY: boolean;
  /** stdout is a terminal and NO_COLOR is not set: colour. */
  colour: boolean;
  now: () => Date;
}

/** Prints an error as text or, with --json, as an object; returns the exit code from the error table. */
export function reportError(error: unknown, io: CliIo, json: boolean): number {
  const te = toTaskgateError(error);
  // a database URL an engine quoted keeps its secrets
  if (json) io.out(`${maskUrls(JSON.stringify({ ok: false, error: te.toJSON() }))}\n`);
  else io.err(`${maskUrls(formatError(te))}\n`);
  return exitCodeOf(te.code);
}
