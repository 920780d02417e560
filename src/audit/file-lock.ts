// An exclusive lock between processes: a lock file created with O_EXCL, broken when a killed process left it behind.
import { closeSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { TaskgateError } from '../errors/taskgate-error.js';

const STALE_MS = 30_000;

/**
 * An exclusive lock between processes: a lock file created with O_EXCL. A lock older than
 * 30 s is taken to be left by a killed process and is broken.
 */
export async function withFileLock<T>(lockPath: string, work: () => T | Promise<T>, timeoutMs = 10_000): Promise<T> {
  const started = Date.now();
  let fd: number | null = null;
  let delay = 2;
  while (fd === null) {
    try {
      fd = openSync(lockPath, 'wx', 0o600);
      writeSync(fd, String(process.pid));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (fd !== null) {
        // created but not written (a full disk): neither the descriptor nor an empty lock stays behind
        closeSync(fd);
        rmSync(lockPath, { force: true });
        fd = null;
      }
      if (code !== 'EEXIST') {
        throw new TaskgateError(
          'ERR_AUDIT_LOCK',
          `cannot create lock ${lockPath}: ${code ?? String(error)}`,
          code === 'ENOSPC' || code === 'EDQUOT'
            ? 'the disk is full: free space on it; the push was refused, nothing was added'
            : 'make the directory writable by the account that serves pushes',
        );
      }
      try {
        if (Date.now() - statSync(lockPath).mtimeMs > STALE_MS) rmSync(lockPath, { force: true });
      } catch {
        // the holder released it meanwhile
      }
      if (Date.now() - started > timeoutMs) {
        throw new TaskgateError(
          'ERR_AUDIT_LOCK',
          `lock ${lockPath} is held by another process for over ${timeoutMs / 1000} s`,
          'if no taskgate process is running, delete the lock file',
        );
      }
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return await work();
  } finally {
    closeSync(fd);
    rmSync(lockPath, { force: true });
  }
}
