/** The bubblewrap command line of one task (DESIGN §14): every namespace, read-only system, the archive as the only writable place. */
import { lstatSync, readlinkSync } from 'node:fs';

/** Where the job's archive appears inside the sandbox. */
export const SANDBOX_WORKDIR = '/job';

/** The system the task may read: binds when they are directories, the same links when they are links (merged /usr). */
const SYSTEM = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc'];

let systemArgs: string[] | null = null;

function systemBinds(): string[] {
  if (systemArgs) return systemArgs;
  const out: string[] = [];
  for (const path of SYSTEM) {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) out.push('--symlink', readlinkSync(path), path);
      else if (st.isDirectory()) out.push('--ro-bind', path, path);
    } catch {
      // absent on this machine (lib32 and the like)
    }
  }
  return (systemArgs = out);
}

/** Arguments for `bwrap`, ending with `sh -c command`. */
export function bwrapArgs(options: { dir: string; network: boolean; command: string }): string[] {
  return [
    // user, PID, IPC, UTS, cgroup and network namespaces; the task's processes die with the sandbox's first one
    '--unshare-all',
    ...(options.network ? ['--share-net'] : []),
    '--die-with-parent',
    '--new-session',
    '--cap-drop',
    'ALL',
    '--hostname',
    'taskgate-task',
    ...systemBinds(),
    '--proc',
    '/proc',
    '--dev',
    '/dev',
    '--tmpfs',
    '/tmp',
    '--bind',
    options.dir,
    SANDBOX_WORKDIR,
    '--chdir',
    SANDBOX_WORKDIR,
    '--',
    '/bin/sh',
    '-c',
    options.command,
  ];
}
