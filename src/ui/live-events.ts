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

export class LiveEvents {
  private readonly listeners = new Set<Listener>();
  private readonly seen = new Map<string, string>();
  private since: string;
  private stop: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(
    private readonly store: JobStore,
    private readonly gate: GateRecords,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.since = new Date(this.now().getTime() - OVERLAP_MS).toISOString();
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
    this.listeners.clear();
    this.halt();
    await loop;
  }

  private async changes(): Promise<LiveEvent[]> {
    const out: LiveEvent[] = [];
    for (const g of this.gate.refresh()) out.push({ type: 'push', id: g.txn, verdict: g.verdict });
    const rows = await this.store.jobsChangedSince(this.since, 5000);
    for (const r of rows) {
      const key = `${r.status}:${r.attempts}:${r.updatedAt}`;
      if (this.seen.get(r.id) === key) continue;
      this.seen.set(r.id, key);
      out.push({ type: 'job', id: r.id, status: r.status, push: r.pushId, task: r.task, attempts: r.attempts });
    }
    const newest = rows.at(-1)?.updatedAt;
    if (newest) this.since = new Date(Date.parse(newest) - OVERLAP_MS).toISOString();
    // forget what is older than the overlap: the map stays as small as the recent changes
    if (this.seen.size > 20_000) this.seen.clear();
    return out;
  }

  private tick(events: LiveEvent[]): void {
    for (const e of events) for (const l of this.listeners) l(e);
  }
}
