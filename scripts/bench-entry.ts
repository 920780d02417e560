// Bundled by scripts/bench: the in-process exchange of a worker, without any task process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { buildHeadJobs } from '../src/jobs/build-jobs.js';
import { taskLimits } from '../src/sandbox/limits.js';
import { openSandbox, type Sandbox } from '../src/sandbox/open-sandbox.js';
import { JobService } from '../src/exchange/job-service.js';
import { openStore } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { initKeys } from '../src/tokens/key-store.js';

/** Milliseconds per job for `count` independent no-op jobs: claim, then complete, by one worker. */
export async function workerOverhead(dir: string, count: number, task?: () => Promise<void>): Promise<number> {
  mkdirSync(join(dir, '.hg'), { recursive: true });
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'bench/overhead' } }));
  const config = loadConfig({ root: dir });
  await initKeys(config.tokens.keys, 'EdDSA');
  const store = new SqliteStore(config.store.path!);
  const now = new Date();
  const tasks = Array.from({ length: count }, (_, i) => ({
    task: `t${i}`,
    definition: { run: 'true' },
    requires: [],
    reasons: [],
    filesMatched: 0,
  }));
  const jobs = buildHeadJobs({
    repo: 'bench/overhead',
    node: 'f'.repeat(40),
    branch: 'default',
    tasks,
    push: { id: 'bench', node: 'f'.repeat(40), nodeLast: 'f'.repeat(40) },
    actor: { sub: 'bench', via: 'local', groups: [] },
    now,
  });
  await store.enqueue({
    push: {
      id: 'bench',
      repo: 'bench/overhead',
      node: 'f'.repeat(40),
      nodeLast: 'f'.repeat(40),
      heads: ['f'.repeat(40)],
      actor: { sub: 'bench', via: 'local', groups: [] },
      source: 'hook',
      createdAt: now.toISOString(),
    },
    jobs,
  });
  const service = await JobService.create(config, store);
  await service.housekeeping();
  const start = process.hrtime.bigint();
  for (let i = 0; i < count; i++) {
    const claimed = await service.claim('bench-worker');
    if (!claimed) throw new Error(`no job to claim after ${i}`);
    if (task) await task();
    await service.complete('bench-worker', claimed.token, { exitCode: 0 });
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  await store.close();
  return ms / count;
}

/**
 * Claim-and-complete throughput, jobs per second: `workers` workers, each with its own store
 * connection (as separate processes or hosts have), draining `count` independent no-op jobs.
 */
export async function claimThroughput(dir: string, options: { url?: string; workers: number; count: number }): Promise<number> {
  mkdirSync(join(dir, '.hg'), { recursive: true });
  const store = options.url ? { backend: 'postgres', url: options.url } : { backend: 'sqlite' };
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'bench/throughput' }, store }));
  const config = loadConfig({ root: dir });
  await initKeys(config.tokens.keys, 'EdDSA');
  const open = () => openStore(config);
  const first = await open();
  const now = new Date();
  const node = 'e'.repeat(40);
  const tasks = Array.from({ length: options.count }, (_, i) => ({
    task: `t${i}`,
    definition: { run: 'true' },
    requires: [],
    reasons: [],
    filesMatched: 0,
  }));
  const jobs = buildHeadJobs({
    repo: 'bench/throughput',
    node,
    branch: 'default',
    tasks,
    push: { id: 'bench', node, nodeLast: node },
    actor: { sub: 'bench', via: 'local', groups: [] },
    now,
  });
  await first.enqueue({
    push: {
      id: 'bench',
      repo: 'bench/throughput',
      node,
      nodeLast: node,
      heads: [node],
      actor: { sub: 'bench', via: 'local', groups: [] },
      source: 'hook',
      createdAt: now.toISOString(),
    },
    jobs,
  });
  await (await JobService.create(config, first)).housekeeping();
  const stores = [first, ...(await Promise.all(Array.from({ length: options.workers - 1 }, open)))];
  const services = await Promise.all(stores.map((s) => JobService.create(config, s)));
  let done = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    services.map(async (service, i) => {
      for (;;) {
        const claimed = await service.claim(`w${i}`);
        if (!claimed) return;
        await service.complete(`w${i}`, claimed.token, { exitCode: 0 });
        done += 1;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  for (const s of stores) await s.close();
  if (done !== options.count) throw new Error(`${done} of ${options.count} jobs completed`);
  return done / seconds;
}

/** One no-op task (`true`) in a fresh folder handed to the task account, as the worker runs it (the archive aside). */
async function noOp(sandbox: Sandbox, dir: string): Promise<void> {
  const job = mkdtempSync(join(dir, 'job-'));
  await sandbox.own(job);
  const r = await sandbox.start({
    command: 'true',
    dir: job,
    env: { PATH: '/usr/bin:/bin' },
    network: false,
    limits: taskLimits({}, 'bench'),
    output: () => {},
  });
  rmSync(job, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`the no-op task failed: ${JSON.stringify(r)}`);
}

/** Milliseconds per no-op task in bubblewrap and with worker.sandbox "none", interleaved; medians. */
export async function sandboxCost(dir: string, count: number): Promise<{ bwrap: number; none: number }> {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const boxes = {
    bwrap: openSandbox({ mode: 'bwrap', workdir: dir, repoRoot: null }),
    none: openSandbox({ mode: 'none', workdir: dir, repoRoot: null }),
  };
  const times: { bwrap: number[]; none: number[] } = { bwrap: [], none: [] };
  for (let i = 0; i < count; i++) {
    for (const mode of ['bwrap', 'none'] as const) {
      const start = process.hrtime.bigint();
      await noOp(boxes[mode], dir);
      times[mode].push(Number(process.hrtime.bigint() - start) / 1e6);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { bwrap: median(times.bwrap), none: median(times.none) };
}

/** The worker's overhead per no-op job with its task in bubblewrap: claim, sandboxed no-op, complete. */
export async function sandboxedWorkerOverhead(dir: string, count: number): Promise<number> {
  const jobs = join(dir, 'jobs');
  mkdirSync(jobs, { recursive: true, mode: 0o755 });
  const sandbox = openSandbox({ mode: 'bwrap', workdir: jobs, repoRoot: null });
  return workerOverhead(dir, count, () => noOp(sandbox, jobs));
}
