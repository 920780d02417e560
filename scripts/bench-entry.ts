// Bundled by scripts/bench: the in-process exchange of a worker, without any task process.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { buildHeadJobs } from '../src/jobs/build-jobs.js';
import { JobService } from '../src/server/job-service.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { initKeys } from '../src/tokens/key-store.js';

/** Milliseconds per job for `count` independent no-op jobs: claim, then complete, by one worker. */
export async function workerOverhead(dir: string, count: number): Promise<number> {
  mkdirSync(join(dir, '.hg'), { recursive: true });
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'bench/overhead' } }));
  const config = loadConfig({ root: dir });
  await initKeys(config.tokens.keys, 'EdDSA');
  const store = new SqliteStore(config.store.path!);
  const now = new Date();
  const tasks = Array.from({ length: count }, (_, i) => ({ task: `t${i}`, definition: { run: 'true' }, requires: [], reasons: [], filesMatched: 0 }));
  const jobs = buildHeadJobs({ repo: 'bench/overhead', node: 'f'.repeat(40), branch: 'default', tasks, push: { id: 'bench', node: 'f'.repeat(40), nodeLast: 'f'.repeat(40) }, actor: { sub: 'bench', via: 'local', groups: [] }, now });
  await store.enqueue({ push: { id: 'bench', repo: 'bench/overhead', node: 'f'.repeat(40), nodeLast: 'f'.repeat(40), heads: ['f'.repeat(40)], actor: { sub: 'bench', via: 'local', groups: [] }, source: 'hook', createdAt: now.toISOString() }, jobs });
  const service = await JobService.create(config, store);
  await service.housekeeping();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const claimed = await service.claim('bench-worker');
    if (!claimed) throw new Error(`no job to claim after ${i}`);
    await service.complete('bench-worker', claimed.token, { exitCode: 0 });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await store.close();
  return ms / count;
}
