// The service log: pino JSON lines per file, loaded only when something is logged, with tokens, keys and secrets redacted (DESIGN §11).
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';

/** Keys whose values never reach a log: tokens, keys and secrets (DESIGN §11). Log `jti`s instead. */
export const REDACT_PATHS = [
  'token',
  '*.token',
  'tokens',
  'key',
  '*.key',
  'privateKey',
  '*.privateKey',
  'secret',
  '*.secret',
  'password',
  '*.password',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'assertion',
  '*.assertion',
  'd',
  '*.d',
  'env.TASKGATE_TOKEN',
];

/** Each path's logger, with its file so that a long-lived process can close it (releaseLoggers). */
const loggers = new Map<string, { logger: Logger; file: { end(): void } }>();

/**
 * A pino logger writing JSON lines to `path`. pino is imported only here and only when
 * something is logged, so a push that passes never pays for it.
 */
export async function getLogger(path: string, level = 'info'): Promise<Logger> {
  const hit = loggers.get(path);
  if (hit) return hit.logger;
  const { default: pino } = await import('pino');
  mkdirSync(dirname(path), { recursive: true });
  const destination = pino.destination({ dest: path, sync: true, mkdir: true });
  const logger = pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { pid: process.pid } }, destination);
  loggers.set(path, { logger, file: destination });
  return logger;
}

/**
 * Closes every log file this process opened (their lines are written already: the destinations
 * are synchronous). The hook server calls it after each hook: a file of a repository that is
 * gone, or on a disk to unmount, is not held open between pushes.
 */
export function releaseLoggers(): void {
  for (const { file } of loggers.values()) file.end();
  loggers.clear();
}
