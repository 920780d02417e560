/**
 * The error table: each stable code with its summary, its exit code (DESIGN §12) and its HTTP
 * status. The CLI, the hooks and the service read it; nothing maps a code by hand.
 */

/** Exit codes of the CLI and the hooks: 0 ok, 1 failed, 2 usage or configuration, 3 environment. */
export const EXIT = { ok: 0, failed: 1, usage: 2, environment: 3 } as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface ErrorSpec {
  summary: string;
  /** Never 0: a hook that fails must refuse (the gate fails closed). */
  exit: Exclude<ExitCode, 0>;
  http: number;
}

const usage = (summary: string, http = 400): ErrorSpec => ({ summary, exit: EXIT.usage, http });
const environment = (summary: string, http = 500): ErrorSpec => ({ summary, exit: EXIT.environment, http });
const failed = (summary: string, http = 500): ErrorSpec => ({ summary, exit: EXIT.failed, http });

/** Scripts and docs rely on these codes, so never rename one. */
export const ERRORS = {
  ERR_NOT_IN_HOOK: usage('the command was run outside a Mercurial hook', 500),
  ERR_HOOK_ENV: usage('the hook environment is incomplete or malformed, or the hook is registered as the wrong type', 500),
  ERR_CONFIG_MISSING: usage('no configuration file was found', 500),
  ERR_CONFIG_UNREADABLE: usage('the configuration file cannot be read', 500),
  ERR_CONFIG_SYNTAX: usage('the configuration file is not valid JSON', 500),
  ERR_CONFIG_INVALID: usage('the configuration does not match its schema', 400),
  ERR_CONFIG_REGEX: usage('a regular expression in the configuration does not compile', 500),
  ERR_CONFIG_GLOB: usage('a glob in the configuration does not compile', 500),
  ERR_CONFIG_EXTENDS: usage('the extends chain is broken', 500),
  ERR_HG_MISSING: environment('the hg executable cannot be run', 503),
  ERR_HG_FAILED: environment('an hg command failed', 502),
  ERR_GATE_TIMEOUT: environment('the gate ran past gate.timeout: its hg was stopped and the push refused', 504),
  ERR_HG_OUTPUT: environment('hg printed something taskgate cannot read'),
  ERR_REPO_NOT_FOUND: environment('no Mercurial repository was found'),
  ERR_AUDIT_WRITE: failed('the audit log cannot be written', 503),
  ERR_AUDIT_LOCK: failed('the audit log lock cannot be taken', 503),
  ERR_AUDIT_BROKEN: failed('the audit log chain is broken'),
  ERR_KEYS_MISSING: failed('the signing keys cannot be read'),
  ERR_KEYS_INVALID: failed('the signing key file is damaged'),
  ERR_KEYS_EXIST: failed('signing keys already exist', 409),
  ERR_TOKEN_INVALID: failed('a token was refused', 401),
  ERR_STORE_UNAVAILABLE: environment('the job store cannot be reached or written', 503),
  ERR_STORE_CORRUPT: environment('the job store is damaged', 503),
  ERR_STORE_SCHEMA: environment('the job store schema does not match this taskgate', 503),
  ERR_STORE_BACKEND: environment('the configured job store backend is not available', 503),
  ERR_JOB_NOT_FOUND: failed('no such job', 404),
  ERR_LOG_OFFSET: failed('a log chunk does not continue the log the service holds', 409),
  ERR_OUTBOX: failed('the outbox cannot be written or read'),
  ERR_SANDBOX_UNAVAILABLE: environment('bubblewrap cannot start a sandbox for tasks on this machine'),
  ERR_SOURCE_REFUSED: failed('the source archive a worker received is unsafe, damaged or too large', 502),
  ERR_USAGE: usage('the command line or the request is not valid'),
  ERR_UNAUTHENTICATED: failed('the request carries no identity the service accepts', 401),
  ERR_FORBIDDEN: failed('the authenticated caller may not do this', 403),
  ERR_SERVICE_BUSY: failed('the service is at its bound of connections or waiters', 503),
  ERR_NOT_BUILT: failed('taskgate was not built (dist/ is missing or incomplete)'),
  ERR_INTERNAL: failed('taskgate hit an unexpected internal error'),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** Whether a code (from the service's answer, say) is one of the table's. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERRORS, value);
}

/** The code's one-line meaning (what a page shows instead of a server-side message). */
export function summaryOf(code: ErrorCode): string {
  return ERRORS[code].summary;
}

/** What the CLI or a hook exits with when this error ends it. */
export function exitCodeOf(code: ErrorCode): Exclude<ExitCode, 0> {
  return ERRORS[code].exit;
}

/** What the service answers when this error ends a request. */
export function httpStatusOf(code: ErrorCode): number {
  return ERRORS[code].http;
}
