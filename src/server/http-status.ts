/** The HTTP status of each error code the service answers with: one place, no mapping by hand in the routes. */
import type { ErrorCode } from '../errors/error-codes.js';

const STATUS: Partial<Record<ErrorCode, number>> = {
  ERR_USAGE: 400,
  ERR_CONFIG_INVALID: 400,
  ERR_TOKEN_INVALID: 401,
  ERR_UNAUTHENTICATED: 401,
  ERR_FORBIDDEN: 403,
  ERR_JOB_NOT_FOUND: 404,
  ERR_SERVICE_BUSY: 503,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_STORE_CORRUPT: 503,
  ERR_STORE_SCHEMA: 503,
  ERR_STORE_BACKEND: 503,
  ERR_AUDIT_WRITE: 503,
  ERR_AUDIT_LOCK: 503,
  ERR_HG_MISSING: 503,
  ERR_HG_FAILED: 502,
};

/** The status for a code: 500 for whatever is a fault of the service itself. */
export function httpStatus(code: ErrorCode): number {
  return STATUS[code] ?? 500;
}
