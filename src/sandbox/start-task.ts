/** Starts one task, in bubblewrap or (worker.sandbox "none") bare, under its limits and timeout; resolves when every process of it is gone. */
import { spawn } from 'node:child_process';
import { bwrapArgs } from './bwrap-args.js';
import type { SandboxMode, TaskAccount, TaskRequest, TaskRun } from './sandbox-types.js';

export interface Launcher {
  mode: SandboxMode;
  account: TaskAccount;
  bwrap: string | null;
  prlimit: string;
}

function argv(launcher: Launcher, request: TaskRequest): string[] {
  // prlimit sets the limits on the first process; every process of the task inherits them
  const limits = [launcher.prlimit, `--as=${request.limits.memoryBytes}`, `--nproc=${request.limits.processes}`, '--'];
  if (launcher.mode === 'none') return [...limits, '/bin/sh', '-c', request.command];
  return [...limits, launcher.bwrap!, ...bwrapArgs({ dir: request.dir, network: request.network, command: request.command })];
}

function killGroup(pid: number | undefined): void {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

export function startTask(launcher: Launcher, request: TaskRequest): Promise<TaskRun> {
  const [file, ...args] = argv(launcher, request);
  return new Promise((resolve) => {
    const child = spawn(file!, args, {
      cwd: request.dir,
      env: request.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // its own process group: the timeout kills the whole group
      detached: true,
      ...(launcher.account.switchTo ? { uid: launcher.account.uid, gid: launcher.account.gid } : {}),
    });
    child.stdout.on('data', request.output);
    child.stderr.on('data', request.output);
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      // bwrap's own children die with it (--die-with-parent), and the PID namespace with them
      killGroup(child.pid);
    }, request.limits.timeoutSeconds * 1000);
    // without a PID namespace a task's background processes may hold the pipes open: end the group
    child.on('exit', () => killGroup(child.pid));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code, signal, timedOut });
    });
    child.on('error', () => {
      clearTimeout(timer);
      resolve({ exitCode: 127, signal: null, timedOut: false });
    });
  });
}
