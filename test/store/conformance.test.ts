// One conformance suite for both store engines (DESIGN §9): enqueue, claims, leases, retries, release, replay, expiry and the audit chain.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AuditTrail } from '../../src/audit/audit-chain.js';
import type { TaskgateConfig } from '../../src/config/config-types.js';
import { buildHeadJobs } from '../../src/jobs/build-jobs.js';
import type { JobRecord } from '../../src/jobs/job-types.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { EnqueueBatch, IssuedToken, JobStore } from '../../src/store/store-types.js';
import { jobAuditTrail } from '../../src/exchange/audit-trail.js';
import { tempDir } from '../helpers/hg-fixture.js';
import { freshDatabase, sql } from '../helpers/postgres.js';

/**
 * One conformance suite for both engines (DESIGN §9): the same tests, not look-alike copies.
 * Each engine gives a way to open another connection to the same store (another process or
 * host), and a way to tamper with its audit chain behind taskgate's back.
 */
interface Engine {
  name: 'sqlite' | 'postgres';
  /** A new, empty store; `again()` opens a second connection to it. */
  create(): Opened | Promise<Opened>;
}

/** A store under test (SQLite opens synchronously, PostgreSQL does not). */
interface Opened {
  store: JobStore;
  again: () => JobStore | Promise<JobStore>;
  audit: (store: JobStore) => AuditTrail;
  tamper: () => void | Promise<void>;
}

const opened: JobStore[] = [];
afterAll(async () => {
  for (const s of opened) await s.close().catch(() => undefined);
});
const keep = (s: JobStore) => (opened.push(s), s);

const ENGINES: Engine[] = [
  {
    name: 'sqlite',
    create() {
      const dir = tempDir('tg-store-');
      const path = join(dir, 'jobs.db');
      const auditPath = join(dir, 'audit.jsonl');
      const config = { audit: { path: auditPath } } as TaskgateConfig;
      return {
        store: keep(new SqliteStore(path)),
        again: () => keep(new SqliteStore(path)),
        audit: (store) => jobAuditTrail(config, store),
        tamper: () => {
          const lines = readFileSync(auditPath, 'utf8').split('\n');
          lines[1] = lines[1]!.replace('job.claimed', 'job.failed');
          writeFileSync(auditPath, lines.join('\n'));
        },
      };
    },
  },
  {
    name: 'postgres',
    async create() {
      const url = await freshDatabase();
      const config = { audit: { path: '/nonexistent/audit.jsonl' } } as TaskgateConfig;
      return {
        store: keep(await PostgresStore.open({ url })),
        again: async () => keep(await PostgresStore.open({ url })),
        audit: (store) => jobAuditTrail(config, store),
        tamper: async () => {
          await sql(url, "UPDATE audit_log SET record = replace(record, 'job.claimed', 'job.failed') WHERE seq = 2");
        },
      };
    },
  },
];

const NOW = 1_800_000_000;
const actor = { sub: 'alice', via: 'ssh' as const, groups: ['devs'] };

/** The jobs of one head: tasks with their requires and retries. */
function headJobs(node: string, tasks: Record<string, { requires?: string[]; retries?: number }>, repo = 'acme/app'): JobRecord[] {
  return buildHeadJobs({
    repo,
    node,
    branch: 'default',
    push: { id: `push-${node.slice(0, 6)}`, node, nodeLast: node },
    actor,
    now: new Date(NOW * 1000),
    tasks: Object.entries(tasks).map(([task, t]) => ({
      task,
      definition: { run: 'true', ...(t.retries ? { retries: t.retries } : {}) },
      requires: t.requires ?? [],
      reasons: [],
      filesMatched: 1,
    })),
  });
}

function batch(jobs: JobRecord[], heads: string[], repo = 'acme/app'): EnqueueBatch {
  const first = jobs[0]?.push ?? { id: `push-${heads[0]!.slice(0, 6)}`, node: heads[0]!, nodeLast: heads[0]! };
  return {
    push: {
      id: first.id,
      repo,
      node: first.node,
      nodeLast: first.nodeLast,
      heads,
      actor,
      source: 'hook',
      createdAt: new Date(NOW * 1000).toISOString(),
    },
    jobs,
  };
}

let counter = 0;
const node = () => (++counter).toString(16).padStart(40, 'a');
const running = (jti: string): IssuedToken => ({ jti, token: `running.${jti}`, exp: NOW + 900, kind: 'running' });
const done = (jti: string): IssuedToken => ({ jti, token: `done.${jti}`, exp: NOW + 9000, kind: 'done' });

/** Gives every ready job without one a queued token named after it. */
async function mint(store: JobStore): Promise<void> {
  const need = await store.jobsNeedingToken('acme/app');
  await store.setQueuedTokens(
    need.map((j) => ({
      jobId: j.id,
      jti: `q-${j.task}-${j.id.slice(0, 6)}-${j.attempts}-${Math.random().toString(16).slice(2, 8)}`,
      token: `queued.${j.id}`,
      exp: NOW + 3600,
    })),
  );
}

async function claim(store: JobStore, jobId: string, worker: string, at = NOW) {
  const job = (await store.getJob(jobId))!;
  return store.exchange({
    jobId,
    jti: job.tokenJti!,
    worker,
    transition: 'claim',
    now: at,
    issued: running(`r-${jobId.slice(0, 6)}-${worker}-${at}`),
    leaseSeconds: 60,
  });
}

async function complete(store: JobStore, jobId: string, worker: string, at = NOW + 1) {
  const job = (await store.getJob(jobId))!;
  return store.exchange({
    jobId,
    jti: job.tokenJti!,
    worker,
    transition: 'complete',
    now: at,
    issued: done(`d-${jobId.slice(0, 6)}`),
    leaseSeconds: 60,
    outcome: { exitCode: 0 },
  });
}

describe.each(ENGINES)('the $name store', (engine) => {
  it('enqueue is idempotent: a push enqueued twice, or by two hosts at once, creates each job once', async () => {
    const { store, again } = await engine.create();
    const other = await again();
    const n = node();
    const jobs = headJobs(n, { build: {}, test: { requires: ['build'] } });
    const [a, b] = await Promise.all([store.enqueue(batch(jobs, [n])), other.enqueue(batch(jobs, [n]))]);
    expect([...a.created, ...b.created].sort()).toEqual(jobs.map((j) => j.id).sort());
    expect([...a.existing, ...b.existing].sort()).toEqual(jobs.map((j) => j.id).sort());
    const third = await store.enqueue(batch(jobs, [n]));
    expect(third).toEqual({ created: [], existing: jobs.map((j) => j.id), superseded: [] });
    expect((await store.listJobs({ repo: 'acme/app' })).map((j) => [j.task, j.status])).toEqual([
      ['build', 'ready'],
      ['test', 'pending'],
    ]);
    expect(await store.getPush(jobs[0]!.push.id)).toMatchObject({ heads: [n], actor, source: 'hook' });
  });

  it('the high-water mark: processed heads, per repository, by node', async () => {
    const { store } = await engine.create();
    const [h1, h2, h3] = [node(), node(), node()];
    await store.enqueue(batch([], [h1, h2]));
    await store.enqueue(batch([], [h2]));
    await store.enqueue(batch([], [h3], 'acme/other'));
    expect((await store.processedHeads('acme/app')).sort()).toEqual([h1, h2].sort());
    expect(await store.processedHeads('acme/other')).toEqual([h3]);
    expect(await store.processedHeads('acme/none')).toEqual([]);
  });

  it('claims: competing workers reserve different jobs, and a claim exchanges the queued token for a running one', async () => {
    const { store, again } = await engine.create();
    const other = await again();
    const n = node();
    const jobs = headJobs(n, { a: {}, b: {}, c: {} });
    await store.enqueue(batch(jobs, [n]));
    await mint(store);
    const reserved = await Promise.all([
      store.reserveNext('w1', NOW, 30),
      other.reserveNext('w2', NOW, 30),
      store.reserveNext('w3', NOW, 30),
    ]);
    expect(new Set(reserved.map((j) => j!.id)).size).toBe(3);
    // a job reserved by another worker is refused without consuming its token
    expect(await claim(store, reserved[0]!.id, 'w2')).toMatchObject({ ok: false, reason: 'wrong_state' });
    const r = await claim(store, reserved[0]!.id, 'w1');
    expect(r).toMatchObject({ ok: true, retry: false, job: { status: 'running', worker: 'w1', attempts: 1, leaseExpires: NOW + 60 } });
    expect((await store.tokensOf(reserved[0]!.id)).map((t) => [t.kind, t.state])).toEqual([
      ['queued', 'consumed'],
      ['running', 'live'],
    ]);
    expect(await store.attemptsOf(reserved[0]!.id)).toMatchObject([{ attempt: 1, worker: 'w1', startedAt: NOW, endedAt: null }]);
    expect((await store.listJobs({ status: 'ready' })).map((j) => j.id).sort()).toEqual([reserved[1]!.id, reserved[2]!.id].sort());
  });

  it('leases: a silent worker loses its job, its token dies, and the job is claimed again', async () => {
    const { store } = await engine.create();
    const n = node();
    const [job] = headJobs(n, { a: {} });
    await store.enqueue(batch([job!], [n]));
    await mint(store);
    const first = await claim(store, job!.id, 'w1');
    expect(first.ok).toBe(true);
    expect(await store.expireLeases(NOW + 30)).toEqual([]);
    expect(await store.expireLeases(NOW + 61)).toEqual([job!.id]);
    expect(await store.getJob(job!.id)).toMatchObject({ status: 'ready', worker: null, token: null, reason: 'lease expired' });
    expect(await store.attemptsOf(job!.id)).toMatchObject([{ outcome: 'lease_expired' }]);
    const heartbeat = await store.exchange({
      jobId: job!.id,
      jti: first.ok ? first.issued!.jti : '',
      worker: 'w1',
      transition: 'heartbeat',
      now: NOW + 62,
      issued: running('late'),
      leaseSeconds: 60,
    });
    expect(heartbeat).toMatchObject({ ok: false, reason: 'dead' });
    await mint(store);
    expect(await claim(store, job!.id, 'w2', NOW + 63)).toMatchObject({ ok: true, job: { attempts: 2, worker: 'w2' } });
  });

  it('retries with backoff, then failed, and the failure propagates to every dependent', async () => {
    const { store } = await engine.create();
    const n = node();
    const jobs = headJobs(n, { build: { retries: 1 }, test: { requires: ['build'] }, deploy: { requires: ['test'] } });
    await store.enqueue(batch(jobs, [n]));
    await mint(store);
    const build = jobs[0]!.id;
    let r = await claim(store, build, 'w1');
    r = await store.exchange({
      jobId: build,
      jti: r.ok ? r.issued!.jti : '',
      worker: 'w1',
      transition: 'fail',
      now: NOW + 5,
      issued: null,
      leaseSeconds: 60,
      outcome: { exitCode: 2, reason: 'exit code 2' },
    });
    expect(r).toMatchObject({ ok: true, job: { status: 'ready', notBefore: NOW + 5 + 1, reason: 'exit code 2' } });
    await mint(store);
    // the backoff: nothing to reserve before it ends, the job itself after
    expect(await store.reserveNext('w1', NOW + 5, 30)).toBeNull();
    expect((await store.reserveNext('w1', NOW + 6, 30))?.id).toBe(build);
    r = await claim(store, build, 'w1', NOW + 6);
    r = await store.exchange({
      jobId: build,
      jti: r.ok ? r.issued!.jti : '',
      worker: 'w1',
      transition: 'fail',
      now: NOW + 7,
      issued: null,
      leaseSeconds: 60,
      outcome: { exitCode: 2 },
    });
    expect(r).toMatchObject({ ok: true, job: { status: 'failed', attempts: 2 }, upstreamFailed: [jobs[1]!.id, jobs[2]!.id] });
    expect((await store.listJobs({ repo: 'acme/app', rev: n })).map((j) => j.status)).toEqual([
      'failed',
      'upstream_failed',
      'upstream_failed',
    ]);
    // an admin's retry puts the job back and its dependents behind it
    expect(await store.retryJob(build, NOW + 8)).toEqual([build, jobs[1]!.id, jobs[2]!.id]);
    expect((await store.listJobs({ repo: 'acme/app', rev: n })).map((j) => j.status)).toEqual(['ready', 'pending', 'pending']);
  });

  it('upstream jobs completing at once on two connections release their dependent exactly once', async () => {
    const { store, again } = await engine.create();
    const other = await again();
    for (let round = 0; round < 5; round++) {
      const n = node();
      const jobs = headJobs(n, { a: {}, b: { requires: ['a'] }, c: { requires: ['a'] }, d: { requires: ['b', 'c'] } });
      const [a, b, c, d] = jobs.map((j) => j.id);
      await store.enqueue(batch(jobs, [n]));
      await mint(store);
      await claim(store, a!, 'w1');
      expect(await complete(store, a!, 'w1')).toMatchObject({ ok: true, released: [b, c] });
      await mint(store);
      await claim(store, b!, 'w1');
      await claim(other, c!, 'w2');
      const [rb, rc] = await Promise.all([complete(store, b!, 'w1', NOW + 2), complete(other, c!, 'w2', NOW + 2)]);
      const released = [...(rb.ok ? rb.released : []), ...(rc.ok ? rc.released : [])];
      expect(released).toEqual([d]);
      expect((await store.getJob(d!))!.status).toBe('ready');
      await mint(store);
      expect((await store.doneReceipts([b!, c!])).map((x) => x.job)).toEqual([b, c]);
    }
  });

  it('replay: a token presented twice is refused, every token of the job dies, and the job fails; the same worker retrying is answered again', async () => {
    const { store } = await engine.create();
    const n = node();
    const jobs = headJobs(n, { a: {}, b: { requires: ['a'] } });
    await store.enqueue(batch(jobs, [n]));
    await mint(store);
    const a = jobs[0]!.id;
    const queued = (await store.getJob(a))!.tokenJti!;
    const first = await store.exchange({
      jobId: a,
      jti: queued,
      worker: 'honest',
      transition: 'claim',
      now: NOW,
      issued: running('r1'),
      leaseSeconds: 60,
    });
    expect(first.ok).toBe(true);
    const again = await store.exchange({
      jobId: a,
      jti: queued,
      worker: 'honest',
      transition: 'claim',
      now: NOW + 1,
      issued: running('r-unused'),
      leaseSeconds: 60,
    });
    expect(again).toMatchObject({ ok: true, retry: true, issued: { jti: 'r1' } });
    const replay = await store.exchange({
      jobId: a,
      jti: queued,
      worker: 'thief',
      transition: 'claim',
      now: NOW + 2,
      issued: running('r2'),
      leaseSeconds: 60,
    });
    expect(replay).toMatchObject({ ok: false, reason: 'replay', job: { status: 'failed', reason: 'token_replay' } });
    expect(
      await store.exchange({
        jobId: a,
        jti: 'r1',
        worker: 'honest',
        transition: 'heartbeat',
        now: NOW + 3,
        issued: running('r3'),
        leaseSeconds: 60,
      }),
    ).toMatchObject({ ok: false, reason: 'dead' });
    expect((await store.tokensOf(a)).map((t) => t.state)).toEqual(['consumed', 'dead']);
    expect((await store.getJob(jobs[1]!.id))!.status).toBe('upstream_failed');
    expect(
      await store.exchange({ jobId: a, jti: 'nope', worker: 'x', transition: 'claim', now: NOW, issued: running('r4'), leaseSeconds: 60 }),
    ).toMatchObject({ ok: false, reason: 'unknown' });
  });

  it('a queued token that runs out expires its job; cancel ends a job and its dependents', async () => {
    const { store } = await engine.create();
    const n = node();
    const jobs = headJobs(n, { a: {}, b: { requires: ['a'] }, c: {} });
    await store.enqueue(batch(jobs, [n]));
    await mint(store);
    expect(await store.expireQueuedTokens(NOW + 3601)).toEqual([jobs[0]!.id, jobs[2]!.id]);
    expect((await store.getJob(jobs[0]!.id))!.status).toBe('expired');
    expect(await store.retryJob(jobs[0]!.id, NOW + 3602)).toEqual([jobs[0]!.id]);
    expect(await store.cancelJob(jobs[0]!.id, NOW + 3603)).toEqual([jobs[0]!.id, jobs[1]!.id]);
    expect((await store.listJobs({ repo: 'acme/app', rev: n })).map((j) => j.status)).toEqual(['cancelled', 'upstream_failed', 'expired']);
    expect(await store.cancelJob(jobs[0]!.id, NOW + 3604)).toEqual([]);
  });

  it('the audit chain: writers on two connections append one chain, and an edit behind its back shows', async () => {
    const { store, again, audit, tamper } = await engine.create();
    const other = await again();
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) => audit(i % 2 ? store : other).append('job.claimed', { job: `j${i}`, worker: `w${i % 2}` })),
    );
    const check = await audit(store).verify();
    expect(check).toEqual({ ok: true, records: 6, problems: [] });
    expect((await audit(other).tail(6)).map((r) => r.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    await tamper();
    const broken = await audit(store).verify();
    expect(broken.ok).toBe(false);
    expect(broken.problems.join('\n')).toMatch(/line 2: hash does not match its content/);
  });
});
