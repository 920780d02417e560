/** Checks once, at a worker's start, that bubblewrap can build a sandbox here; never a silent fallback. */
import { spawnSync } from 'node:child_process';
import { TaskgateError } from '../errors/taskgate-error.js';
import { bwrapArgs } from './bwrap-args.js';
import { findTool } from './find-tool.js';
import type { TaskAccount } from './sandbox-types.js';

const HINT =
  'install bubblewrap (apt-get install bubblewrap) and allow unprivileged user namespaces (sysctl user.max_user_namespaces, kernel.unprivileged_userns_clone, kernel.apparmor_restrict_unprivileged_userns); worker.sandbox "none" only on a machine that runs trusted code, and doctor then fails';

/** The path of a bwrap that starts an empty sandbox as `account`; throws ERR_SANDBOX_UNAVAILABLE otherwise. */
export function probeBwrap(account: TaskAccount, tmp: string): string {
  const bwrap = findTool('bwrap');
  if (!bwrap) throw new TaskgateError('ERR_SANDBOX_UNAVAILABLE', 'bubblewrap (bwrap) is not installed on this machine', HINT);
  const r = spawnSync(bwrap, bwrapArgs({ dir: tmp, network: false, command: 'exit 0' }), {
    encoding: 'utf8',
    timeout: 10_000,
    env: { PATH: '/usr/bin:/bin' },
    ...(account.switchTo ? { uid: account.uid, gid: account.gid } : {}),
  });
  if (r.status !== 0) {
    const why = (r.stderr || r.error?.message || `exit ${r.status ?? r.signal}`).trim().split('\n')[0];
    throw new TaskgateError('ERR_SANDBOX_UNAVAILABLE', `bubblewrap cannot start a sandbox as ${account.name}: ${why}`, HINT);
  }
  return bwrap;
}
