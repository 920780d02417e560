/** Which account runs pushed code: `worker.runAs` under a root worker, the worker's own account otherwise (DESIGN §14). */
import { spawnSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { TaskAccount } from './sandbox-types.js';

/** The account a root worker without `worker.runAs` runs tasks as: root never runs pushed code. */
export const ROOT_FALLBACK_ACCOUNT = 'nobody';

function lookUp(name: string): { uid: number; gid: number } | null {
  // getent asks NSS, so accounts from LDAP or sssd count too
  const r = spawnSync('getent', ['passwd', name], { encoding: 'utf8', timeout: 5000 });
  const fields = r.status === 0 ? r.stdout.trim().split('\n')[0]!.split(':') : [];
  if (fields.length < 4 || !/^[0-9]+$/.test(fields[2]!) || !/^[0-9]+$/.test(fields[3]!)) return null;
  return { uid: Number(fields[2]), gid: Number(fields[3]) };
}

/** Resolves `worker.runAs` against the account this worker runs as; a configuration error when they cannot agree. */
export function taskAccount(runAs: string | undefined): TaskAccount {
  const self = userInfo();
  if (self.uid !== 0) {
    if (runAs !== undefined && runAs !== self.username && lookUp(runAs)?.uid !== self.uid)
      throw new TaskgateError(
        'ERR_CONFIG_INVALID',
        `worker.runAs is ${JSON.stringify(runAs)}, but this worker runs as ${self.username}, which cannot switch accounts`,
        `start the worker as ${runAs} or as root, or remove worker.runAs (tasks then run as ${self.username}, inside the sandbox)`,
      );
    return { name: self.username, uid: self.uid, gid: self.gid, switchTo: false };
  }
  const name = runAs ?? ROOT_FALLBACK_ACCOUNT;
  const found = lookUp(name);
  if (!found)
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `worker.runAs names ${JSON.stringify(name)}, which is not an account on this machine`,
      `create it (useradd --system --no-create-home ${name}) or name another unprivileged account`,
    );
  if (found.uid === 0 || found.gid === 0)
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `worker.runAs names ${JSON.stringify(name)}, which is root or in root's group: root never runs pushed code`,
      'name an unprivileged account in worker.runAs',
    );
  return { name, uid: found.uid, gid: found.gid, switchTo: true };
}
