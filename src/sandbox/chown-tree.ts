/** Hands a job's folder to the task's account in process: `chown -R --no-dereference` without a process per job. */
import { lchownSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Every entry under `dir` (and `dir` itself) to uid:gid. A symbolic link is changed itself and
 * never followed, so a link in an archive cannot hand anything outside the folder to the task.
 */
export function chownTree(dir: string, uid: number, gid: number): void {
  const folders = [dir];
  lchownSync(dir, uid, gid);
  for (let folder = folders.pop(); folder !== undefined; folder = folders.pop()) {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      lchownSync(path, uid, gid);
      // a link to a folder reads as a link here (lstat's view): only real folders are walked
      if (entry.isDirectory()) folders.push(path);
    }
  }
}
