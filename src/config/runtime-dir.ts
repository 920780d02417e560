// The owner-only folder of this account's sockets (chg's server, the hook server): found, made and checked.
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * `<XDG_RUNTIME_DIR or the temporary folder>/<prefix>-<uid>`, made owner-only if missing. Anything
 * else there (another account's folder, one others may enter, a planted link) gives null, and
 * the socket is not used: whoever controls it would answer for the server.
 */
export function privateRuntimeDir(prefix: string, env: NodeJS.ProcessEnv = process.env): string | null {
  const base = env['XDG_RUNTIME_DIR'] && isAbsolute(env['XDG_RUNTIME_DIR']) ? env['XDG_RUNTIME_DIR'] : tmpdir();
  const dir = join(base, `${prefix}-${process.getuid?.() ?? 0}`);
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return null;
  }
  try {
    const st = lstatSync(dir);
    if (!st.isDirectory() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return null;
  } catch {
    return null;
  }
  return dir;
}
