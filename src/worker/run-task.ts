import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface TaskRun {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
}

/**
 * Runs a task's `run` with `sh -c` in its prepared directory, under its timeout, writing its
 * output to `logPath`. The environment is minimal: PATH, HOME, the task's `env`, and the
 * TASKGATE_* variables; the worker's own credentials are never passed on.
 */
export function runTask(options: {
  command: string;
  cwd: string;
  env: Record<string, string>;
  timeoutSeconds: number;
  logPath: string;
}): Promise<TaskRun> {
  mkdirSync(dirname(options.logPath), { recursive: true });
  const log = createWriteStream(options.logPath, { flags: 'a', mode: 0o640 });
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', options.command], {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // the whole process group: a task's children go with it
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, options.timeoutSeconds * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      log.end(() => resolve({ exitCode: code, signal, timedOut }));
    });
    child.on('error', () => {
      clearTimeout(timer);
      log.end(() => resolve({ exitCode: 127, signal: null, timedOut: false }));
    });
  });
}
