// Live events, one loop for the whole service: shared polls on SQLite, NOTIFY on PostgreSQL, new verdicts, bursts, no change told twice.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { appendAudit } from '../../src/audit/audit-log.js';
import { buildHeadJobs } from '../../src/jobs/build-jobs.js';
import { PostgresStore } from '../../src/store/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { JobStore } from '../../src/store/store-types.js';
import { GateRecords } from '../../src/ui/gate-records.js';
import { LiveEvents, type LiveEvent } from '../../src/ui/live-events.js';
import { tempDir } from '../helpers/hg-fixture.js';
import { freshDatabase } from '../helpers/postgres.js';

const NODE = 'a'.repeat(40);

async function seed(store: JobStore, count = 1): Promise<string> {
  const actor = { sub: 'bob', via: 'ssh' as const, groups: [] };
  const now = new Date();
  const jobs = buildHeadJobs({
    repo: 'acme/app',
    node: NODE,
    branch: 'default',
    tasks: Array.from({ length: count }, (_, i) => ({
      task: i === 0 ? 'build' : `t${i}`,
      definition: { run: 'true' },
      requires: [],
      reasons: [],
      filesMatched: 0,
    })),
    push: { id: 'TXN:1', node: NODE, nodeLast: NODE },
    actor,
    now,
  });
  await store.enqueue({
    push: { id: 'TXN:1', repo: 'acme/app', node: NODE, nodeLast: NODE, heads: [NODE], actor, source: 'hook', createdAt: now.toISOString() },
    jobs,
  });
  return jobs[0]!.id;
}

/** Counts the store's reads of recent changes: the one loop makes them, whatever the number of listeners. */
function counting(store: JobStore): { store: JobStore; reads: () => number } {
  let reads = 0;
  const wrapped = Object.create(store) as JobStore;
  wrapped.jobsChangedSince = (at, limit) => {
    reads += 1;
    return store.jobsChangedSince(at, limit);
  };
  return { store: wrapped, reads: () => reads };
}

async function cancelSeen(events: LiveEvents, listeners: number, change: () => Promise<unknown>, id: string): Promise<number> {
  const arrivals: Array<Promise<number>> = [];
  const unsubscribe: Array<() => void> = [];
  for (let i = 0; i < listeners; i++) {
    arrivals.push(
      new Promise((resolve) => {
        const l = (e: LiveEvent) => {
          if (e.type === 'job' && e.id === id && e.status === 'cancelled') resolve(Date.now());
        };
        expect(events.subscribe(l)).toBe(true);
        unsubscribe.push(() => events.unsubscribe(l));
      }),
    );
  }
  await new Promise((r) => setTimeout(r, 1000));
  const start = Date.now();
  await change();
  const last = Math.max(...(await Promise.all(arrivals)));
  for (const u of unsubscribe) u();
  return last - start;
}

describe('live events: one loop for the whole service', () => {
  it('SQLite: fifty open pages share one poll, and each is told of a change made by another process', async () => {
    const path = join(tempDir(), 'jobs.db');
    const store = new SqliteStore(path);
    const other = new SqliteStore(path);
    const id = await seed(store);
    const { store: watched, reads } = counting(store);
    const events = new LiveEvents(watched, new GateRecords(join(tempDir(), 'audit.jsonl')));
    const t0 = Date.now();
    await cancelSeen(events, 50, () => other.cancelJob(id, Math.floor(Date.now() / 1000)), id);
    const elapsed = Date.now() - t0;
    // one look every 400 ms, not one per page per look
    expect(reads()).toBeLessThanOrEqual(Math.ceil(elapsed / 400) + 2);
    expect(events.size).toBe(0);
    await events.close();
    await other.close();
    await store.close();
  });

  it("a new verdict in the audit log reaches open pages, even when a page's own read saw it first", async () => {
    const dir = tempDir();
    const store = new SqliteStore(join(dir, 'jobs.db'));
    const gate = new GateRecords(join(dir, 'audit.jsonl'));
    const events = new LiveEvents(store, gate);
    const got = new Promise<LiveEvent>((resolve) => {
      events.subscribe((e) => {
        if (e.type === 'push') resolve(e);
      });
    });
    await new Promise((r) => setTimeout(r, 500));
    await appendAudit(join(dir, 'audit.jsonl'), 'push.rejected', { txn: 'TXN:9', node: NODE, pusher: 'bob', violations: [] });
    // a page request reads the log before the loop's next look
    expect(gate.refresh().map((g) => g.txn)).toEqual(['TXN:9']);
    expect(await got).toEqual({ type: 'push', id: 'TXN:9', verdict: 'rejected' });
    await events.close();
    await store.close();
  });

  it('a burst of changes larger than a page (5,000 jobs queued at once) does not hide the change after it', async () => {
    const path = join(tempDir(), 'jobs.db');
    const store = new SqliteStore(path);
    const id = await seed(store, 5000);
    const events = new LiveEvents(store, new GateRecords(join(tempDir(), 'audit.jsonl')));
    const latency = await cancelSeen(events, 1, () => store.cancelJob(id, Math.floor(Date.now() / 1000)), id);
    expect(latency).toBeLessThan(10_000);
    await events.close();
    await store.close();
  });

  it('a change written back in time (a whole-second time after a millisecond one) does not tell an old change twice', async () => {
    const path = join(tempDir(), 'jobs.db');
    const store = new SqliteStore(path);
    const a = await seed(store, 2);
    const b = (await store.listJobs()).find((j) => j.id !== a)!.id;
    const events = new LiveEvents(store, new GateRecords(join(tempDir(), 'audit.jsonl')));
    const told: LiveEvent[] = [];
    events.subscribe((e) => told.push(e));
    // another process writes the rows at chosen times: A done at t+1 s; B at t+3.3 s, then back at t+2.9 s
    const db = new Database(path);
    const t0 = Date.now();
    const set = (id: string, status: string, ms: number) =>
      db.prepare('UPDATE jobs SET status = ?, updated_at = ? WHERE id = ?').run(status, new Date(t0 + ms).toISOString(), id);
    const look = () => new Promise((r) => setTimeout(r, 1000));
    set(a, 'done', 1000);
    await look();
    set(b, 'running', 3300);
    await look();
    set(b, 'done', 2900);
    await look();
    await look();
    await events.close();
    db.close();
    await store.close();
    const doneA = told.filter((e) => e.type === 'job' && e.id === a && e.status === 'done');
    expect(doneA).toHaveLength(1);
    expect(told.filter((e) => e.type === 'job' && e.id === b && e.status === 'done')).toHaveLength(1);
  });

  it('PostgreSQL: a change committed by another connection wakes the loop through NOTIFY, long before its fallback poll', async () => {
    const url = await freshDatabase();
    const store = await PostgresStore.open({ url });
    const other = await PostgresStore.open({ url });
    const id = await seed(store);
    const { store: watched, reads } = counting(store);
    const events = new LiveEvents(watched, new GateRecords(join(tempDir(), 'audit.jsonl')));
    const latency = await cancelSeen(events, 20, () => other.cancelJob(id, Math.floor(Date.now() / 1000)), id);
    // the fallback poll is every 5 s: the event came from the NOTIFY
    expect(latency).toBeLessThan(2500);
    expect(reads()).toBeLessThanOrEqual(3);
    await events.close();
    await other.close();
    await store.close();
  });
});
