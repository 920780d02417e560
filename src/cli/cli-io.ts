import { formatError, toTaskgateError, type TaskgateError } from '../errors/taskgate-error.js';
import type { ErrorCode } from '../errors/error-codes.js';
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

/** CLI exit codes (DESIGN §12). */
export const CLI_EXIT = { ok: 0, failed: 1, usage: 2, environment: 3 } as const;

export function exitCodeFor(code: ErrorCode): number {
  if (code === 'ERR_USAGE' || code.startsWith('ERR_CONFIG')) return CLI_EXIT.usage;
  if (
    code === 'ERR_HG_MISSING' ||
    code === 'ERR_HG_FAILED' ||
    code === 'ERR_REPO_NOT_FOUND' ||
    code === 'ERR_HG_OUTPUT' ||
    code === 'ERR_SANDBOX_UNAVAILABLE'
  )
    return CLI_EXIT.environment;
  if (code === 'ERR_STORE_UNAVAILABLE' || code === 'ERR_STORE_CORRUPT' || code === 'ERR_STORE_SCHEMA' || code === 'ERR_STORE_BACKEND')
    return CLI_EXIT.environment;
  return CLI_EXIT.failed;
}

/** Prints an error as text or, with --json, as an object; returns the exit code. */
export function reportError(error: unknown, io: CliIo, json: boolean): number {
  const te: TaskgateError = toTaskgateError(error);
  // a database URL an engine quoted keeps its secrets
  if (json) io.out(`${maskUrls(JSON.stringify({ ok: false, error: te.toJSON() }))}\n`);
  else io.err(`${maskUrls(formatError(te))}\n`);
  return exitCodeFor(te.code);
}
