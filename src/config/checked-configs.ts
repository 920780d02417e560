/** Configurations that passed the schema check in this repository: a hook does not check them again. */
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CONFIG_SCHEMA_ID } from '../generated/config-schema-id.js';
import { canonicalJson } from './canonical-json.js';

/** The record: one SHA-256 a line, the newest last, under the repository's `.hg/taskgate/`. */
const FILE = 'schema-checked';
const KEEP = 16;
const MAX_BYTES = KEEP * 65;

/** What a check proves: this schema (and ajv) accepted this merged configuration, whatever its key order. */
export function configDigest(merged: unknown): string {
  return createHash('sha256').update(`${CONFIG_SCHEMA_ID}\n`).update(canonicalJson(merged)).digest('hex');
}

function recordPath(root: string): string {
  return join(root, '.hg', 'taskgate', FILE);
}

/**
 * The digests recorded, if the record is this account's own regular file that no one else may
 * write (as the configuration itself); anything else is no record: the check then runs.
 */
function readRecord(root: string): string[] {
  let fd: number;
  try {
    fd = openSync(recordPath(root), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return [];
  }
  try {
    const st = fstatSync(fd);
    const mine = typeof process.getuid !== 'function' || st.uid === process.getuid();
    if (!st.isFile() || !mine || (st.mode & 0o022) !== 0 || st.size > MAX_BYTES) return [];
    const buf = Buffer.alloc(st.size);
    const n = readSync(fd, buf, 0, st.size, 0);
    return buf
      .toString('latin1', 0, n)
      .split('\n')
      .filter((line) => /^[0-9a-f]{64}$/.test(line));
  } catch {
    return [];
  } finally {
    closeSync(fd);
  }
}

/** Whether a configuration with this digest passed the schema check in the repository at `root`. */
export function wasChecked(root: string, digest: string): boolean {
  return readRecord(root).includes(digest);
}

/** Records that it passed: owner-only, written whole and renamed; a failure only means checking again next time. */
export function rememberChecked(root: string, digest: string): void {
  const kept = readRecord(root).filter((d) => d !== digest);
  const lines = [...kept.slice(-(KEEP - 1)), digest];
  const path = recordPath(root);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    rmSync(tmp, { force: true });
    writeFileSync(tmp, `${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
    renameSync(tmp, path);
  } catch {
    // not writable here: the next hook checks again
  }
}
