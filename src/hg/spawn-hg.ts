// One hg child process on node:child_process: the hooks start faster without a process library (DESIGN §13).
import type { ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { hgStopped, trackHg } from './hg-children.js';

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
export async function spawnHg(
  file: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
  onStdout?: (chunk: string, kill: () => void) => void,
): Promise<SpawnResult> {
  // past the gate's time limit nothing starts: not a retry, not a fallback
  if (hgStopped()) return { failed: true, stderr: 'stopped: gate.timeout has passed', stdout: Buffer.alloc(0) };
  // loaded on first use: a trigger with the gate's plan, or a gate served by chg's session, starts no process
  const { spawn } = await import('node:child_process');
  const child = spawn(file, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
  // SIGTERM: chg's client passes it on to its server's worker
  const untrack = trackHg(() => child.kill('SIGTERM'));
  return collect(child, onStdout).finally(untrack);
}

function collect(
  child: ChildProcessByStdio<null, Readable, Readable>,
  onStdout?: (chunk: string, kill: () => void) => void,
): Promise<SpawnResult> {
  return new Promise((resolve) => {
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
