// TaskgateError, the shape of every user-facing failure (code, message, hint), and its two-line text form.
import type { ErrorCode } from './error-codes.js';

/** Every user-facing failure: a stable code, a message naming the culprit, a one-line hint. */
export class TaskgateError extends Error {
  override readonly name = 'TaskgateError';
  readonly code: ErrorCode;
  readonly hint: string;
  /** Further lines (one per schema error, say); printed under the message. */
  readonly details: readonly string[];

  constructor(code: ErrorCode, message: string, hint: string, options: { details?: readonly string[]; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = hint;
    this.details = options.details ?? [];
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; details: readonly string[] } {
    return { code: this.code, message: this.message, hint: this.hint, details: this.details };
  }
}

export function isTaskgateError(value: unknown): value is TaskgateError {
  return value instanceof TaskgateError;
}

/** Wraps anything thrown into a TaskgateError, so that callers print one shape. */
export function toTaskgateError(value: unknown): TaskgateError {
  if (value instanceof TaskgateError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new TaskgateError('ERR_INTERNAL', `internal error: ${message}`, 'this is a bug in taskgate; report it with the log file', {
    cause: value,
  });
}

/** The two-line text form used by the CLI and the hooks. */
export function formatError(error: TaskgateError, prefix = ''): string {
  const lines = [`${prefix}error[${error.code}]: ${error.message}`];
  for (const d of error.details) lines.push(`${prefix}  ${d}`);
  lines.push(`${prefix}  hint: ${error.hint}`);
  return lines.join('\n');
}
