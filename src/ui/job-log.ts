// A job's log as the worker on this host wrote it (worker.logs/JOB/ATTEMPT.log): the tail for the page, the whole file for a download.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';

export const TAIL_BYTES = 64 * 1024;

/** Job ids are hex (DESIGN §7); anything else never reaches a path. */
export function logFile(logs: string, jobId: string, attempt: number): string | null {
  if (!/^[0-9a-f]{8,64}$/.test(jobId) || !Number.isInteger(attempt) || attempt < 1) return null;
  return join(logs, jobId, `${attempt}.log`);
}

/** The last `max` bytes (all when max is Infinity), or null when this host has no such log. */
export function readLog(path: string | null, max: number): { text: string; size: number; cut: boolean } | null {
  if (!path) return null;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const size = fstatSync(fd).size;
    const want = Math.min(size, max);
    const buf = Buffer.alloc(want);
    readSync(fd, buf, 0, want, size - want);
    return { text: buf.toString('utf8'), size, cut: want < size };
  } finally {
    closeSync(fd);
  }
}
