// Bundled by scripts/bench (through bench-entry.ts): a remote worker against a real `taskgate serve` app over loopback http.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/config/load-config.js';
import { JobService } from '../src/exchange/job-service.js';
import { archiveRevision } from '../src/hg/archive.js';
import { buildHeadJobs } from '../src/jobs/build-jobs.js';
import { createServer } from '../src/server/create-server.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { newWorkerKey } from '../src/tokens/client-assertion.js';
import { initKeys } from '../src/tokens/key-store.js';
import { HttpBackend } from '../src/worker/http-backend.js';
import { SourceCache } from '../src/worker/source-cache.js';

const hgEnv = { ...process.env, HGPLAIN: '1', HGUSER: 'bench <bench@example.test>' };

/** A repository of `files` small files in one changeset, made once under `dir` (kept between runs); returns its root and node. */
export function fileRepository(dir: string, files: number): { root: string; node: string } {
  const root = join(dir, `repo-${files}`);
  if (!existsSync(join(root, '.hg', 'done'))) {
    rmSync(root, { recursive: true, force: true });
    mkdirSync(root, { recursive: true });
    execFileSync('hg', ['init', root], { env: hgEnv });
    for (let i = 0; i < files; i++) {
      const sub = join(root, `d${Math.floor(i / 100)}`);
      if (i % 100 === 0) mkdirSync(sub);
      writeFileSync(join(sub, `f${i}.txt`), `file ${i}\n`.repeat(8));
    }
    execFileSync('hg', ['commit', '-q', '-A', '-m', 'files'], { cwd: root, env: hgEnv });
    writeFileSync(join(root, '.hg', 'done'), '');
  }
  const node = execFileSync('hg', ['log', '-r', 'tip', '-T', '{node}'], { cwd: root, env: hgEnv }).toString();
  return { root, node };
}

/** `taskgate serve` (the app, in process) for `root` with one registered worker and `count` no-op jobs queued at `node`. */
async function serviceWith(root: string, node: string, count: number) {
  const { privateJwk, publicJwk } = await newWorkerKey('bench-remote');
  writeFileSync(
    join(root, '.hg', 'taskgate.json'),
    JSON.stringify({ repo: { id: 'bench/remote' }, worker: { keys: { 'bench-remote': JSON.stringify(publicJwk) }, lease: '10m' } }),
  );
  for (const f of ['jobs.db', 'jobs.db-wal', 'jobs.db-shm', 'keys.json', 'audit.jsonl'])
    rmSync(join(root, '.hg', 'taskgate', f), { force: true });
  const config = loadConfig({ root });
  await initKeys(config.tokens.keys, 'EdDSA');
  const store = new SqliteStore(config.store.path!);
  const now = new Date();
  const actor = { sub: 'bench', via: 'local' as const, groups: [] };
  const tasks = Array.from({ length: count }, (_, i) => ({
    task: `t${i}`,
    definition: { run: 'true' },
    requires: [],
    reasons: [],
    filesMatched: 0,
  }));
  const push = { id: `bench-${now.getTime()}`, node, nodeLast: node };
  const jobs = buildHeadJobs({ repo: 'bench/remote', node, branch: 'default', tasks, push, actor, now });
  await store.enqueue({
    push: { ...push, repo: 'bench/remote', heads: [node], actor, source: 'hook', createdAt: now.toISOString() },
    jobs,
  });
  await (await JobService.create(config, store)).housekeeping();
  let base = '';
  const app = await createServer({ config, store, root, host: '127.0.0.1', baseUrl: () => base });
  base = await app.listen({ host: '127.0.0.1', port: 0 });
  const close = async () => {
    await app.close();
    await store.close();
  };
  return { base, privateJwk, close };
}

/**
 * Milliseconds per no-op job of a remote worker over loopback http: claim, source (into a fresh
 * folder, from the cache by node after the first), complete; each request with its own assertion.
 * Also the first job's source (the cache's miss), in ms.
 */
export async function remoteWorkerOverhead(
  dir: string,
  count: number,
): Promise<{ perJob: number; missMs: number; phases: { claim: number; source: number; complete: number } }> {
  const { root, node } = fileRepository(dir, 20);
  const service = await serviceWith(root, node, count + 1);
  const cache = new SourceCache({ dir: join(dir, 'sources'), entries: 4, bytes: 1e9, maxBytes: 1e9 });
  const backend = new HttpBackend(service.base, service.privateJwk, {
    name: 'bench-remote',
    cache,
  });
  const jobs = mkdtempSync(join(dir, 'jobs-'));
  const phases = { claim: 0, source: 0, complete: 0 };
  const lap = (phase: keyof typeof phases, since: bigint) => {
    const t = process.hrtime.bigint();
    phases[phase] += Number(t - since) / 1e6;
    return t;
  };
  const one = async () => {
    let t = process.hrtime.bigint();
    const claimed = await backend.claim('bench-remote');
    if (!claimed) throw new Error('no job to claim');
    t = lap('claim', t);
    const dest = mkdtempSync(join(jobs, 'job-'));
    await backend.source('bench-remote', claimed.token, claimed.job, join(dest, 'src'));
    rmSync(dest, { recursive: true, force: true });
    t = lap('source', t);
    await backend.complete('bench-remote', claimed.token, { exitCode: 0 });
    lap('complete', t);
  };
  try {
    let start = process.hrtime.bigint();
    await one();
    const missMs = Number(process.hrtime.bigint() - start) / 1e6;
    for (const k of Object.keys(phases) as Array<keyof typeof phases>) phases[k] = 0;
    start = process.hrtime.bigint();
    for (let i = 0; i < count; i++) await one();
    for (const k of Object.keys(phases) as Array<keyof typeof phases>) phases[k] /= count;
    return { perJob: Number(process.hrtime.bigint() - start) / 1e6 / count, missMs, phases };
  } finally {
    await service.close();
  }
}

/**
 * The source of a `files`-file revision through the service (GET /v1/jobs/{id}/source, extracted,
 * no cache) against a local `hg archive` of it, interleaved, `runs` each; medians in ms.
 */
export async function sourceAgainstArchive(dir: string, files: number, runs: number): Promise<{ service: number; local: number }> {
  const { root, node } = fileRepository(dir, files);
  const service = await serviceWith(root, node, 1);
  const backend = new HttpBackend(service.base, service.privateJwk, { name: 'bench-remote' });
  const times: { service: number[]; local: number[] } = { service: [], local: [] };
  const scratch = mkdtempSync(join(dir, 'archives-'));
  try {
    const claimed = await backend.claim('bench-remote');
    if (!claimed) throw new Error('no job to claim');
    for (let i = 0; i < runs; i++) {
      for (const how of ['service', 'local'] as const) {
        const dest = join(scratch, `${how}-${i}`);
        const start = process.hrtime.bigint();
        if (how === 'service') await backend.source('bench-remote', claimed.token, claimed.job, dest);
        else await archiveRevision(root, node, dest);
        times[how].push(Number(process.hrtime.bigint() - start) / 1e6);
        rmSync(dest, { recursive: true, force: true });
      }
    }
  } finally {
    await service.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
  return { service: median(times.service), local: median(times.local) };
}
