/** `server.tls` (DESIGN §14): the PEM certificate and key `taskgate serve` speaks HTTPS with, read once at start. */
import { readFileSync } from 'node:fs';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
}

function readPem(path: string, key: 'cert' | 'key'): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `server.tls.${key}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
      'point server.tls.cert and server.tls.key at PEM files the service account can read',
    );
  }
}

/** The certificate and key of `server.tls`, or null for plain HTTP (a loopback-only demo). */
export function readTls(config: TaskgateConfig): TlsFiles | null {
  const tls = config.server?.tls;
  if (!tls) return null;
  return { cert: readPem(tls.cert, 'cert'), key: readPem(tls.key, 'key') };
}
