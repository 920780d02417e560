export { getLogger, REDACT_PATHS } from './logger.js';
