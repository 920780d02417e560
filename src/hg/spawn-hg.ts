// One hg child process on node:child_process: the hooks start faster without a process library (DESIGN §13).
import { spawn } from 'node:child_process';

/** How a run ended, in the shape the error checks of run-hg.ts read. */
interface SpawnResult {
  failed: boolean;
  exitCode?: number;
  /** `ENOENT` when the program is missing. */
  code?: string;
  stderr: string;
  stdout: Buffer;
}

/** Keep the end of hg's error output, bounded: only its last lines are shown. */
const STDERR_KEEP = 64 * 1024;

/**
 * Runs `file args` with no shell and standard input closed. `onStdout` receives the output
 * as it arrives (latin1 text) and may throw to stop the process; without it, the output is
 * collected and returned.
 */
export function spawnHg(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  onStdout?: (chunk: string, kill: () => void) => void,
): Promise<SpawnResult> {
  return new Promise((resolve) => {
    const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let stderr = '';
    let spawnError: NodeJS.ErrnoException | null = null;
    if (onStdout) {
      child.stdout.setEncoding('latin1');
      child.stdout.on('data', (chunk: string) => onStdout(chunk, () => child.kill()));
    } else {
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    }
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-STDERR_KEEP);
    });
    child.on('error', (error) => {
      spawnError = error;
    });
    child.on('close', (exitCode) => {
      const failed = spawnError !== null || exitCode !== 0;
      resolve({
        failed,
        ...(exitCode === null ? {} : { exitCode }),
        ...(spawnError ? { code: spawnError.code ?? 'ERROR' } : {}),
        stderr,
        stdout: Buffer.concat(out),
      });
    });
  });
}
