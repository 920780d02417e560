// Finds the repository around a folder the way hg does: the nearest parent with `.hg/`.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';

/** The repository containing `start`, found the way hg finds it: the nearest parent with `.hg/`. */
export function findRepoRoot(start: string): string {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, '.hg'))) return dir;
    const up = dirname(dir);
    if (up === dir) {
      throw new TaskgateError(
        'ERR_REPO_NOT_FOUND',
        `no Mercurial repository contains ${resolve(start)}`,
        'pass -R REPO, or run the command inside a repository',
      );
    }
    dir = up;
  }
}
