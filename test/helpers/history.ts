// A long synthetic history for a repository, appended in process by make-history.py.
import { execa } from 'execa';
import { join } from 'node:path';
import { HELPERS, baseEnv } from './hg-fixture.js';

/** Appends `count` synthetic changesets to `repo` in process (see make-history.py). */
export async function makeHistory(repo: string, count: number, options: string[] = []): Promise<void> {
  const r = await execa('/usr/bin/python3', [join(HELPERS, 'make-history.py'), repo, String(count), ...options], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
  });
  if (r.exitCode !== 0) throw new Error(`make-history failed: ${r.stderr}`);
}
