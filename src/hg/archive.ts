import { runHg } from './run-hg.js';

/** A clean copy of one revision in `dest` (hg archive): no .hg, nothing a task can use to plant hooks. */
export async function archiveRevision(repoRoot: string, rev: string, dest: string, env?: NodeJS.ProcessEnv): Promise<void> {
  await runHg(['archive', '-r', rev, '--type', 'files', dest], { cwd: repoRoot, ...(env ? { env } : {}) });
}
