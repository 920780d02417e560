// PostgreSQL deployments: the database down during a push, hosts sharing one database, the move from SQLite, LISTEN waking idle workers.
import { execa } from 'execa';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  TASKGATE,
  baseEnv,
  commit,
  hgOk,
  jobsOf,
  makeCentral,
  makeClone,
  push,
  taskLines,
  taskgate,
  tempDir,
} from '../helpers/hg-fixture.js';
import { freshDatabase, ownCluster, sql } from '../helpers/postgres.js';
import { taskgateServe } from '../helpers/servers.js';

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const c of cleanups) await c();
});

/** A central repository with both hooks, its jobs in PostgreSQL; the key is made by the caller (hosts may share one). */
function central(dir: string, name: string, config: Record<string, unknown>): Promise<string> {
  return makeCentral(dir, { name, config, trigger: true, keys: false });
}

// each task prints the time, its name and its job: sandboxed tasks write nothing outside their archive
const TASKS = () =>
  JSON.stringify({
    version: 1,
    tasks: {
      a: { inputs: ['src/**'], run: 'echo "$(date +%s%N) a $TASKGATE_JOB"' },
      b: { requires: ['a'], run: 'echo "$(date +%s%N) b $TASKGATE_JOB"' },
      c: { requires: ['a'], run: 'echo "$(date +%s%N) c $TASKGATE_JOB"' },
      d: { requires: ['b', 'c'], run: 'echo "$(date +%s%N) d $TASKGATE_JOB"' },
    },
  });

describe('PostgreSQL deployments', () => {
  it('the database goes down during a push: the push lands with one warning, the jobs wait in the outbox, and reconcile puts each in once', async () => {
    const cluster = await ownCluster();
    cleanups.push(cluster.drop);
    const url = await freshDatabase(cluster.port);
    const dir = tempDir('tg-pgdown-');
    const repo = await central(dir, 'central', { repo: { id: 'acme/app' }, store: { backend: 'postgres', url }, policy: { rules: [] } });
    expect((await taskgate(dir, ['keys', 'init', '-R', repo])).exitCode).toBe(0);
    const work = await makeClone(dir, repo);
    await commit(work, { 'tasks.json': TASKS(), 'src/a.ts': '1' }, 'first');
    const first = await push(work, repo);
    expect(first.exitCode, first.all).toBe(0);
    expect(first.all).toContain('4 jobs queued');

    const service = await taskgateServe(repo);
    await cluster.stop();
    // the service says the store is away (503: try again), not that the request was bad
    const answer = await fetch(`${service}/v1/jobs`);
    expect(answer.status).toBe(503);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('ERR_STORE_UNAVAILABLE');
    await commit(work, { 'src/a.ts': '2' }, 'second, while the database is down');
    const second = await push(work, repo);
    expect(second.exitCode, second.all).toBe(0);
    const warnings = second.all.split('\n').filter((l) => l.includes('warning'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^(remote: )?taskgate: warning: the job store is unavailable \(ERR_STORE_UNAVAILABLE\); 4 jobs wait in the outbox until `taskgate reconcile`$/,
      ),
    ]);
    expect(second.all).not.toContain(url.split('@')[0]!.split(':')[2] ?? 'never');
    expect(readdirSync(join(repo, '.hg', 'taskgate', 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    // reconcile while it is still down: a clear error, and the outbox kept
    const down = await taskgate(repo, ['reconcile']);
    expect(down.exitCode).toBe(3);
    expect(down.stderr).toContain('ERR_STORE_UNAVAILABLE');
    expect(readdirSync(join(repo, '.hg', 'taskgate', 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);

    await cluster.start();
    const r = await taskgate(repo, ['reconcile']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('outbox: 1 batch drained');
    const again = await taskgate(repo, ['reconcile', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ drained: 0, created: [] });
    const jobs = await jobsOf(repo);
    expect(jobs).toHaveLength(8);
    expect(new Set(jobs.map((j) => j.id)).size).toBe(8);
    expect((await sql<{ n: string }>(url, 'SELECT count(*) AS n FROM jobs'))[0]!.n).toBe('8');
    const w = await taskgate(repo, ['worker', '--once', '--concurrency', '2']);
    expect(w.exitCode, w.stderr).toBe(0);
    const runs = taskLines(dir);
    expect(runs).toHaveLength(8);
    expect(new Set(runs).size).toBe(8);
  });

  it('two hg servers, two services and four workers share one database: every job runs exactly once, in order', async () => {
    const url = await freshDatabase();
    const dir = tempDir('tg-multi-');
    const keysFile = join(dir, 'shared', 'keys.json');
    mkdirSync(join(dir, 'shared'));
    const workers = ['w1', 'w2', 'w3', 'w4'];
    const workerKeys: Record<string, string> = {};
    for (const w of workers) {
      workerKeys[w] = (await taskgate(dir, ['keys', 'worker', w, '--out', join(dir, `${w}.jwk`)])).stdout.trim();
    }
    const config = {
      repo: { id: 'acme/app' },
      store: { backend: 'postgres', url },
      policy: { rules: [] },
      tokens: { issuer: 'https://hg.acme.test/taskgate', keys: keysFile },
      worker: { keys: workerKeys, lease: '20s', heartbeat: '2s' },
    };
    const primary = await central(dir, 'primary', config);
    const mirror = await central(dir, 'mirror', config);
    expect((await taskgate(dir, ['keys', 'init', '-R', primary])).exitCode).toBe(0);

    // a push to each server, then each syncs to the other (as mirrors do): their hooks see the other's heads too
    const alice = await makeClone(dir, primary, 'alice');
    await commit(alice, { 'tasks.json': TASKS(), 'src/a.ts': 'from alice' }, 'alice');
    expect((await push(alice, primary)).exitCode).toBe(0);
    await hgOk(primary, ['push', '-f', mirror]);
    const bob = await makeClone(dir, mirror, 'bob');
    await commit(bob, { 'src/b.ts': 'from bob' }, 'bob', { user: 'Bob <bob@acme.test>' });
    expect((await push(bob, mirror, { USER: 'bob', LOGNAME: 'bob' })).exitCode).toBe(0);
    await hgOk(mirror, ['push', '-f', primary]);
    const jobs = await jobsOf(primary);
    expect(jobs).toHaveLength(8);
    expect((await jobsOf(mirror)).map((j) => j.id)).toEqual(jobs.map((j) => j.id));

    // two services, four workers (two on each), each with its own clone to archive from
    const services = [await taskgateServe(primary), await taskgateServe(mirror)];
    const results = await Promise.all(
      workers.map(async (w, i) => {
        const clone = await makeClone(dir, i % 2 ? mirror : primary, `cache-${w}`);
        return execa(
          TASKGATE,
          ['worker', '--server', services[i % 2]!, '--name', w, '--key', join(dir, `${w}.jwk`), '-R', clone, '--once'],
          { env: baseEnv(), extendEnv: false, reject: false, all: true },
        );
      }),
    );
    for (const r of results) expect(r.exitCode, r.all).toBe(0);
    const ran = results.reduce((n, r) => n + Number(/(\d+) jobs? run/.exec(r.stdout)?.[1] ?? 0), 0);
    expect(ran).toBe(8);

    const done = await jobsOf(primary);
    expect(done.map((j) => j.status)).toEqual(Array(8).fill('done'));
    const lines = taskLines(dir);
    expect(lines).toHaveLength(8);
    expect(new Set(lines).size).toBe(8);
    // in order: within each head, a before b and c, and both before d
    for (const head of new Set(done.map((j) => j.rev))) {
      const ids = Object.fromEntries(done.filter((j) => j.rev === head).map((j) => [j.task, j.id]));
      const at = (task: string) => lines.indexOf(`${task} ${ids[task]}`);
      expect(at('a')).toBeGreaterThanOrEqual(0);
      expect(at('a')).toBeLessThan(at('b'));
      expect(at('a')).toBeLessThan(at('c'));
      expect(Math.max(at('b'), at('c'))).toBeLessThan(at('d'));
    }
    const attempts = await sql<{ job_id: string; n: string }>(url, 'SELECT job_id, count(*) AS n FROM attempts GROUP BY job_id');
    expect(attempts.map((a) => a.n)).toEqual(Array(8).fill('1'));
    // the job events of every host are one chain in the database, and it verifies
    const audit = await taskgate(primary, ['audit', 'verify']);
    expect(audit.exitCode, audit.stdout).toBe(0);
    expect(audit.stdout).toMatch(/audit_log table of postgres:\/\/[^ ]*\*\*\*@[^ ]*: \d+ records, chain intact/);
  }, 120_000);

  it('moving from SQLite to PostgreSQL is one store entry, `store migrate` and `store copy`, with nothing lost', async () => {
    const url = await freshDatabase();
    const dir = tempDir('tg-copy-');
    const repo = await central(dir, 'central', { repo: { id: 'acme/app' }, policy: { rules: [] } });
    expect((await taskgate(dir, ['keys', 'init', '-R', repo])).exitCode).toBe(0);
    const work = await makeClone(dir, repo);
    await commit(work, { 'tasks.json': TASKS(), 'src/a.ts': '1' }, 'first');
    expect((await push(work, repo)).exitCode).toBe(0);
    expect((await taskgate(repo, ['worker', '--once'])).exitCode).toBe(0);
    await commit(work, { 'src/a.ts': '2' }, 'second');
    expect((await push(work, repo)).exitCode).toBe(0);
    const before = await jobsOf(repo);
    const lineageBefore = JSON.parse((await taskgate(repo, ['lineage', before[0]!.id, '--json'])).stdout);

    const configPath = join(repo, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, store: { backend: 'postgres', url } }));
    const migrate = await taskgate(repo, ['store', 'migrate']);
    expect(migrate.exitCode, migrate.stderr).toBe(0);
    expect(migrate.stdout).toBe('store: schema version 0 -> 3');
    expect((await taskgate(repo, ['store', 'migrate'])).stdout).toBe('store: schema version 3: nothing to do');
    const copy = await taskgate(repo, ['store', 'copy', '--from', join(repo, '.hg', 'taskgate', 'jobs.db'), '--json']);
    expect(copy.exitCode, copy.stderr).toBe(0);
    expect(JSON.parse(copy.stdout).copied).toMatchObject({ jobs: 8, attempts: 4 });
    const twice = JSON.parse(
      (await taskgate(repo, ['store', 'copy', '--from', join(repo, '.hg', 'taskgate', 'jobs.db'), '--json'])).stdout,
    );
    expect(Object.values(twice.copied)).toEqual([0, 0, 0, 0, 0]);

    expect(await jobsOf(repo)).toEqual(before);
    expect(JSON.parse((await taskgate(repo, ['lineage', before[0]!.id, '--json'])).stdout)).toEqual(lineageBefore);
    const doctor = await taskgate(repo, ['doctor', repo]);
    expect(doctor.stdout).toMatch(/^ok +store: postgres postgres:\/\/[^ ]+$/m);
    expect(doctor.stdout).not.toContain(process.env['PGPASSWORD'] ?? 'never');
    // the copied jobs run from PostgreSQL; the history needs nothing more
    const w = await taskgate(repo, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect(w.stdout).toContain('4 jobs run');
    expect((await taskgate(repo, ['reconcile', '--json'])).stdout).toContain('"created":[]');
  });

  it('an idle worker waits on LISTEN and wakes when another host enqueues work, not at the end of its wait', async () => {
    const url = await freshDatabase();
    const { PostgresStore } = await import('../../src/store/postgres-store.js');
    const waiting = await PostgresStore.open({ url });
    const other = await PostgresStore.open({ url });
    try {
      // the first wait opens the listening connection; nothing arrives, so it runs its course
      let t = Date.now();
      await waiting.waitForWork(300);
      expect(Date.now() - t).toBeGreaterThanOrEqual(290);
      t = Date.now();
      const woke = waiting.waitForWork(20_000).then(() => Date.now() - t);
      await new Promise((r) => setTimeout(r, 200));
      const node = 'c'.repeat(40);
      await other.enqueue({
        push: {
          id: 'p',
          repo: 'acme/app',
          node,
          nodeLast: node,
          heads: [node],
          actor: { sub: null, via: 'local', groups: [] },
          source: 'hook',
          createdAt: new Date().toISOString(),
        },
        jobs: [
          {
            id: 'j'.repeat(32),
            repo: 'acme/app',
            rev: node,
            branch: 'default',
            task: 't',
            definition: { run: 'true' },
            requires: [],
            push: { id: 'p', node, nodeLast: node },
            actor: { sub: null, via: 'local', groups: [] },
            reasons: [],
            filesMatched: 0,
            status: 'ready',
            attempts: 0,
            createdAt: '',
            updatedAt: '',
            spec: 's',
            tokenJti: null,
          },
        ],
      });
      const waited = await woke;
      expect(waited).toBeGreaterThanOrEqual(150);
      expect(waited).toBeLessThan(10_000);
    } finally {
      await waiting.close();
      await other.close();
    }
  });
});
