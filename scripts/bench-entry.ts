// Bundled by scripts/bench: the in-process exchange of a worker, without any task process.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { buildHeadJobs } from '../src/jobs/build-jobs.js';
import { taskLimits } from '../src/sandbox/limits.js';
import { openSandbox, type Sandbox } from '../src/sandbox/open-sandbox.js';
import { openTaskLog } from '../src/worker/task-log.js';
import { JobService } from '../src/exchange/job-service.js';
import { openStore } from '../src/store/open-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { newWorkerKey, signClientAssertion, verifyClientAssertion } from '../src/tokens/client-assertion.js';
import { initKeys } from '../src/tokens/key-store.js';

export { remoteWorkerOverhead, sourceAgainstArchive } from './bench-remote.js';

/** Milliseconds per job for `count` independent no-op jobs: claim, then complete, by one worker. */
export async function workerOverhead(
  dir: string,
  count: number,
  task?: (jobId: string, taskToken: string) => Promise<void>,
): Promise<number> {
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
    if (task) await task(claimed.job.id, claimed.taskToken);
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
export async function claimThroughput(
  dir: string,
  options: { url?: string; workers: number; count: number; checks?: boolean },
): Promise<number> {
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
  // with `checks`, each request carries what a remote worker sends and the service checks (DESIGN §15):
  // a fresh Ed25519 assertion bound to its route, verified, its jti recorded in the store
  const keys = new Map<string, Parameters<typeof signClientAssertion>[1]>();
  const privates = await Promise.all(
    stores.map(async (_, i) => {
      const k = await newWorkerKey(`w${i}`);
      keys.set(`w${i}`, k.publicJwk);
      return k.privateJwk;
    }),
  );
  const check = async (i: number, path: string) => {
    if (!options.checks) return;
    const url = `http://127.0.0.1:8470${path}`;
    const assertion = await signClientAssertion(`w${i}`, privates[i]!, config.tokens.issuer, { method: 'POST', url });
    const at = new Date();
    await verifyClientAssertion(assertion, keys, {
      audience: config.tokens.issuer,
      now: at,
      request: { method: 'POST', path },
      use: (jti, exp) => stores[i]!.useAssertion(jti, exp, Math.floor(at.getTime() / 1000)),
    });
  };
  let done = 0;
  const start = process.hrtime.bigint();
  await Promise.all(
    services.map(async (service, i) => {
      for (;;) {
        await check(i, '/v1/claim');
        const claimed = await service.claim(`w${i}`);
        if (!claimed) return;
        await check(i, '/v1/complete');
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

/**
 * One no-op task (`true`) as the worker runs it, the archive aside: a fresh folder handed to the
 * task account, its log file, the task identity token in its environment, the folder removed.
 * Returns how long the task's own process took (prlimit, bwrap, sh: from its spawn to its exit).
 */
async function noOp(sandbox: Sandbox, dir: string, job = 'bench', taskToken = ''): Promise<number> {
  const folder = mkdtempSync(join(dir, 'job-'));
  await sandbox.own(folder);
  const log = openTaskLog(join(dir, 'logs', job, '1.log'), 1 << 20);
  const start = process.hrtime.bigint();
  const r = await sandbox.start({
    command: 'true',
    dir: folder,
    env: { PATH: '/usr/bin:/bin', TASKGATE_TOKEN: taskToken, TASKGATE_JOB: job },
    network: false,
    limits: taskLimits({}, 'bench'),
    output: (chunk) => log.write(chunk),
  });
  const taskMs = Number(process.hrtime.bigint() - start) / 1e6;
  await log.close();
  rmSync(folder, { recursive: true, force: true });
  if (r.exitCode !== 0) throw new Error(`the no-op task failed: ${JSON.stringify(r)}`);
  return taskMs;
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

/**
 * The worker's own overhead per no-op job with its task in bubblewrap (DESIGN §13: the budget is
 * the worker's own, the task's process is the sandbox's figure): claim, the folder, the account,
 * the log, the sandboxed no-op task, complete; minus the time of the task's own process, timed
 * around it in the same jobs. Milliseconds per job: all of it, the task's process, the worker's own.
 */
export async function sandboxedWorkerOverhead(dir: string, count: number): Promise<{ total: number; task: number; own: number }> {
  const jobs = join(dir, 'jobs');
  mkdirSync(jobs, { recursive: true, mode: 0o755 });
  const sandbox = openSandbox({ mode: 'bwrap', workdir: jobs, repoRoot: null });
  let taskMs = 0;
  const total = await workerOverhead(dir, count, async (job, token) => {
    taskMs += await noOp(sandbox, jobs, job, token);
  });
  const task = taskMs / count;
  return { total, task, own: total - task };
}

type Store = Awaited<ReturnType<typeof openStore>>;

/** `pushes` pushes of `perPush` jobs (a binary tree of tasks), the last with 500, and their gate records in the audit file; returns the last push's id. */
async function seedPushes(db: Store, auditPath: string, pushes: number, perPush: number): Promise<string> {
  const { appendFileSync } = await import('node:fs');
  const path = await import('node:path');
  const actor = { sub: 'bench', via: 'ssh' as const, groups: [] };
  const start = Date.now() - pushes * 1000;
  const audit: string[] = [];
  const tree = (n: number) =>
    Array.from({ length: n }, (_, k) => ({ task: `t${k}`, requires: k === 0 ? [] : [`t${Math.floor((k - 1) / 2)}`] }));
  let id = '';
  for (let i = 0; i < pushes; i++) {
    const node = i.toString(16).padStart(40, '0');
    const at = new Date(start + i * 1000).toISOString();
    id = `TXN:${node}`;
    const tasks = tree(i === pushes - 1 ? 500 : perPush).map((t) => ({
      ...t,
      definition: { run: 'true' },
      reasons: [{ kind: 'file' as const, file: 'src/a.ts', glob: 'src/**' }],
      filesMatched: 1,
    }));
    const jobs = buildHeadJobs({
      repo: 'bench/ui',
      node,
      branch: 'default',
      tasks,
      push: { id, node, nodeLast: node },
      actor,
      now: new Date(at),
    });
    await db.enqueue({ push: { id, repo: 'bench/ui', node, nodeLast: node, heads: [node], actor, source: 'hook', createdAt: at }, jobs });
    const data = {
      repo: 'bench/ui',
      txn: id,
      node,
      nodeLast: node,
      heads: [node],
      changesets: 1,
      pusher: 'bench',
      channel: 'ssh',
      groups: [],
    };
    audit.push(JSON.stringify({ seq: i + 1, ts: at, event: 'push.accepted', data, prev: '', hash: '' }));
  }
  mkdirSync(path.dirname(auditPath), { recursive: true });
  appendFileSync(auditPath, `${audit.join('\n')}\n`);
  return id;
}

/** The slowest of `runs` claims to reach an open event stream (ms after the claim returned; 0 when the event came first). */
async function eventLatency(config: ReturnType<typeof loadConfig>, db: Store, runs: number): Promise<number> {
  const { LiveEvents } = await import('../src/ui/live-events.js');
  const { GateRecords } = await import('../src/ui/gate-records.js');
  const service = await JobService.create(config, db);
  await service.housekeeping();
  const events = new LiveEvents(db, new GateRecords(config.audit.path));
  const latencies: number[] = [];
  for (let r = 0; r < runs; r++) {
    // armed before the claim: the event may arrive before the claim has returned
    let armed = false;
    const seen = new Promise<number>((resolve) => {
      const listener = (e: { type: string; status?: string }) => {
        if (armed && e.type === 'job' && e.status === 'running') {
          events.unsubscribe(listener);
          resolve(Date.now());
        }
      };
      events.subscribe(listener);
    });
    await new Promise((r2) => setTimeout(r2, 500));
    armed = true;
    const claimed = await service.claim('bench-ui');
    const committed = Date.now();
    if (!claimed) throw new Error('nothing to claim');
    latencies.push(Math.max(0, (await seen) - committed));
  }
  await events.close();
  return Math.max(...latencies);
}

/**
 * The web UI's budgets (DESIGN §13, §17) with `pushes` pushes of `perPush` jobs in the store and
 * their gate records in the audit log: server time of the first page of pushes and of a
 * 500-task push page (in process, through Fastify's inject; warm medians), and how long a
 * status change takes to reach an open event stream.
 */
export async function uiBudgets(
  dir: string,
  options: { url?: string; pushes: number; perPush: number; runs: number },
): Promise<{ pushesMs: number; pushesColdMs: number; pushMs: number; eventMs: number }> {
  const { spawnSync } = await import('node:child_process');
  const { createServer } = await import('../src/server/create-server.js');
  const { uiRoutes } = await import('../src/ui/ui-routes.js');
  spawnSync('hg', ['init', dir]);
  const store = options.url ? { backend: 'postgres', url: options.url } : { backend: 'sqlite' };
  writeFileSync(join(dir, '.hg', 'taskgate.json'), JSON.stringify({ repo: { id: 'bench/ui' }, store }));
  const config = loadConfig({ root: dir });
  await initKeys(config.tokens.keys, 'EdDSA');
  const db = await openStore(config);
  const big = await seedPushes(db, config.audit.path, options.pushes, options.perPush);
  const pages = uiRoutes({ config, store: db, root: dir });
  const app = await createServer({ config, store: db, root: dir, host: '127.0.0.1', baseUrl: () => 'http://127.0.0.1', pages });
  const time = async (url: string) => {
    const t0 = process.hrtime.bigint();
    const r = await app.inject({ url, remoteAddress: '127.0.0.1' });
    if (r.statusCode !== 200) throw new Error(`${url}: ${r.statusCode}`);
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  const mid = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const pushesColdMs = await time('/');
  const pushes: number[] = [];
  const push: number[] = [];
  for (let r = 0; r < options.runs; r++) {
    pushes.push(await time('/'));
    push.push(await time(`/pushes/${encodeURIComponent(big)}`));
  }
  const eventMs = await eventLatency(config, db, Math.min(options.runs, 5));
  await app.close();
  await db.close();
  return { pushesMs: mid(pushes), pushesColdMs, pushMs: mid(push), eventMs };
}
