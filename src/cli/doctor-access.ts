// doctor's word on local pushes (DESIGN §16): a push from a local path runs the hooks as the
// pusher's own account, which can switch them off, so only the account that serves pushes
// (and admins) may write the repository.
import { statSync } from 'node:fs';
import { join } from 'node:path';

export interface AccessCheck {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  hint?: string;
}

/** Who besides this account (the one that serves pushes) can write the repository's metadata. */
function otherWriters(path: string): string | null {
  let st;
  try {
    st = statSync(path);
  } catch {
    return null;
  }
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `${path} is owned by uid ${st.uid}, not by this account (uid ${uid})`;
  if (st.mode & 0o002) return `${path} is writable by every account (mode ${(st.mode & 0o777).toString(8)})`;
  if (st.mode & 0o020) return `${path} is writable by group gid ${st.gid} (mode ${(st.mode & 0o777).toString(8)})`;
  return null;
}

export function localPushChecks(root: string): AccessCheck[] {
  const paths = [join(root, '.hg'), join(root, '.hg', 'hgrc'), join(root, '.hg', 'store'), join(root, '.hg', 'store', 'data')];
  const problems = paths.map(otherWriters).filter((p): p is string => p !== null);
  return [
    {
      name: 'local pushes',
      status: 'ok',
      detail:
        "a push from a local path runs the hooks as the pusher's own account, which can switch them off (hg --config hooks.pretxnchangegroup.taskgate=): local pushes are trusted admin operations; everyone else pushes over ssh or http",
    },
    problems.length === 0
      ? { name: 'repository writers', status: 'ok', detail: 'only this account can write .hg/' }
      : {
          name: 'repository writers',
          status: 'warn',
          detail: `${problems.join('; ')}: whoever else can write it can push locally, skip the hooks, or edit hgrc`,
          hint: `chown -R <the account that serves pushes> ${join(root, '.hg')} && chmod -R go-w ${join(root, '.hg')}`,
        },
  ];
}
