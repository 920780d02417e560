/** A worker's sandbox, set up once at its start: the account tasks run as, bubblewrap checked, the work folder checked. */
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve, isAbsolute } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { chownTree } from './chown-tree.js';
import { findTool } from './find-tool.js';
import { probeBwrap } from './probe-bwrap.js';
import type { SandboxMode, TaskAccount, TaskRequest, TaskRun } from './sandbox-types.js';
import { startTask, type Launcher } from './start-task.js';
import { taskAccount } from './task-account.js';

export interface Sandbox {
  mode: SandboxMode;
  account: TaskAccount;
  /** Where job folders are made: never inside a repository's .hg/. */
  workdir: string;
  /** The loud line a worker prints at every start when tasks are not sandboxed; null with bwrap. */
  warning: string | null;
  /** Hands a job's folder to the task's account (a root worker only). */
  own(dir: string): Promise<void>;
  start(request: TaskRequest): Promise<TaskRun>;
}

export const UNSANDBOXED_WARNING =
  'taskgate worker: WARNING: worker.sandbox is "none": pushed code runs unsandboxed and can read and change whatever its account can, and leave processes behind; use "bwrap" (doctor fails until then)';

function checkWorkdir(workdir: string, repoRoot: string | null): void {
  if (!repoRoot) return;
  const inside = relative(resolve(repoRoot, '.hg'), workdir);
  if (inside === '' || (!inside.startsWith('..') && !isAbsolute(inside)))
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `worker.workdir ${workdir} is inside the repository's .hg/, which tasks must never reach`,
      'set worker.workdir to a folder outside the repository (the default is the system temporary folder)',
    );
}

export function openSandbox(options: { mode: SandboxMode; runAs?: string; workdir?: string; repoRoot: string | null }): Sandbox {
  const account = taskAccount(options.runAs);
  const workdir = resolve(options.workdir ?? tmpdir());
  checkWorkdir(workdir, options.repoRoot);
  const prlimit = findTool('prlimit');
  if (!prlimit)
    throw new TaskgateError(
      'ERR_SANDBOX_UNAVAILABLE',
      'prlimit is not installed on this machine: task limits cannot be set',
      'install util-linux (apt-get install util-linux)',
    );
  let bwrap: string | null = null;
  if (options.mode === 'bwrap') {
    const probe = mkdtempSync(join(workdir, 'taskgate-probe-'));
    try {
      if (account.switchTo) chownSync(probe, account.uid, account.gid);
      bwrap = probeBwrap(account, probe);
    } finally {
      rmSync(probe, { recursive: true, force: true });
    }
  }
  const launcher: Launcher = { mode: options.mode, account, bwrap, prlimit };
  return {
    mode: options.mode,
    account,
    workdir,
    warning: options.mode === 'none' ? UNSANDBOXED_WARNING : null,
    // in process: a `chown -R` per job cost a process start
    own: (dir) =>
      new Promise<void>((done) => {
        if (account.switchTo) chownTree(dir, account.uid, account.gid);
        done();
      }),
    start: (request) => startTask(launcher, request),
  };
}
