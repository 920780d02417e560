// Live updates for open pages: ONE loop for the whole service reads what changed (woken by NOTIFY on PostgreSQL, a poll with SQLite) and tells every listener.
import type { JobStore } from '../store/store-types.js';
import type { GateRecords } from './gate-records.js';

export type LiveEvent =
  { type: 'job'; id: string; status: string; push: string; task: string; attempts: number } | { type: 'push'; id: string; verdict: string };

type Listener = (event: LiveEvent) => void;

/** How often the loop looks when nothing wakes it: with SQLite a change shows within a second; PostgreSQL's NOTIFY wakes it at once. */
const POLL_MS = { sqlite: 400, postgres: 5000 } as const;
/** Rows updated within this much before the last look are read again (timestamps are coarse; duplicates are dropped). */
const OVERLAP_MS = 2000;
const MAX_LISTENERS = 1000;
/** Rows read per query, and at most this many queries per look. */
const PAGE = 2000;
const MAX_PAGES = 20;

export class LiveEvents {
  private readonly listeners = new Set<Listener>();
  /** The last state told of each recently changed job, and when it changed. */
  private readonly seen = new Map<string, { key: string; at: string }>();
  private since: string;
  private stop: AbortController | null = null;
  private loop: Promise<void> | null = null;
  /** New verdicts read by anyone since the last look. */
  private verdicts: LiveEvent[] = [];
  private readonly unwatch: () => void;

  constructor(
    private readonly store: JobStore,
    private readonly gate: GateRecords,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.since = new Date(this.now().getTime() - OVERLAP_MS).toISOString();
    this.unwatch = gate.watch((added) => {
      if (this.listeners.size > 0) for (const g of added) this.verdicts.push({ type: 'push', id: g.txn, verdict: g.verdict });
    });
  }

  get size(): number {
    return this.listeners.size;
  }

  /** Adds a listener (false when the service already has as many as it serves); the loop runs while anyone listens. */
  subscribe(listener: Listener): boolean {
    if (this.listeners.size >= MAX_LISTENERS) return false;
    this.listeners.add(listener);
    if (!this.loop) this.start();
    return true;
  }

  unsubscribe(listener: Listener): void {
    this.listeners.delete(listener);
    if (this.listeners.size === 0) this.halt();
  }

  private start(): void {
    this.stop = new AbortController();
    const signal = this.stop.signal;
    this.loop = (async () => {
      while (!signal.aborted) {
        // wait from before the look: a NOTIFY that arrives while it reads starts the next look at once
        const next = this.store.waitForChange(POLL_MS[this.store.backend], signal).catch(() => undefined);
        try {
          this.tick(await this.changes());
        } catch {
          // the store is down for a moment: the next look tries again
        }
        await next;
      }
    })();
  }

  private halt(): void {
    this.stop?.abort();
    this.stop = null;
    this.loop = null;
  }

  async close(): Promise<void> {
    const loop = this.loop;
    this.unwatch();
    this.listeners.clear();
    this.halt();
    await loop;
  }

  /**
   * Every job changed since the last look, read again from a little before it (a row's time is
   * taken before its commit), page by page so that a burst larger than a page never hides a later change.
   */
  private async changes(): Promise<LiveEvent[]> {
    this.gate.refresh();
    const out: LiveEvent[] = this.verdicts;
    this.verdicts = [];
    let cursor = { at: this.since, id: '' };
    let newest = this.since;
    for (let page = 0; page < MAX_PAGES; page++) {
      const rows = await this.store.jobsChangedSince(cursor, PAGE);
      for (const r of rows) {
        const key = `${r.status}:${r.attempts}:${r.updatedAt}`;
        if (this.seen.get(r.id)?.key === key) continue;
        this.seen.set(r.id, { key, at: r.updatedAt });
        out.push({ type: 'job', id: r.id, status: r.status, push: r.pushId, task: r.task, attempts: r.attempts });
      }
      const last = rows.at(-1);
      if (last && last.updatedAt > newest) newest = last.updatedAt;
      if (!last || rows.length < PAGE) break;
      cursor = { at: last.updatedAt, id: last.id };
    }
    // the window only moves forward: a row written back in time (a whole-second time after a millisecond one)
    // must not widen it again over rows already forgotten, or they would be told twice
    const since = new Date(Date.parse(newest) - OVERLAP_MS).toISOString();
    if (since > this.since) this.since = since;
    // what changed before the overlap is never read again: forget it
    for (const [id, s] of this.seen) if (s.at < this.since) this.seen.delete(id);
    return out;
  }

  private tick(events: LiveEvent[]): void {
    for (const e of events) for (const l of this.listeners) l(e);
  }
}
