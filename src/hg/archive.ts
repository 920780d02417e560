// Clean copies of one revision: into a folder for the in-process worker, or as a tar stream for the service to send.
import { spawn } from 'node:child_process';
import type { Readable } from 'node:stream';
import { hgEnv, plainHg } from './hg-command.js';
import { runHg } from './run-hg.js';

/** A clean copy of one revision in `dest` (hg archive): no .hg, nothing a task can use to plant hooks. */
export async function archiveRevision(repoRoot: string, rev: string, dest: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await runHg(['archive', '-r', rev, '--type', 'files', dest], { cwd: repoRoot, ...(env ? { env } : {}) });
}

/** A running `hg archive -t tar` of one revision to standard output: read `stdout` as it comes; `done` says how hg ended. */
export interface ArchiveStream {
  stdout: Readable;
  /** Resolves when hg exited 0; rejects with its error output otherwise. */
  done: Promise<void>;
  kill(): void;
}

/**
 * `hg archive -t tar -p . -r NODE -`: the revision as a tar stream, never held in memory whole
 * (plain hg: a stream cannot be retried through chg after it began).
 */
export function archiveStream(repoRoot: string, node: string, env: NodeJS.ProcessEnv = process.env): ArchiveStream {
  const child = spawn(plainHg().file, ['archive', '-r', node, '-t', 'tar', '-p', '.', '-'], {
    cwd: repoRoot,
    env: hgEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString('utf8');
  });
  const done = new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`hg archive ended with ${signal ?? `exit code ${String(code)}`}: ${stderr.trim()}`)),
    );
  });
  // the caller reads the stream; whoever waits on `done` sees a failure, nobody else does
  done.catch(() => undefined);
  return { stdout: child.stdout, done, kill: () => child.kill('SIGTERM') };
}
