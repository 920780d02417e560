export { TaskgateError, isTaskgateError, toTaskgateError, formatError } from './taskgate-error.js';
export { ERROR_CODES, type ErrorCode } from './error-codes.js';
export { printable, printableBytes } from './printable.js';
