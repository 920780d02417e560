// The pushes page (home): newest first, store pushes merged with the pushes only the gate saw (rejected ones), filtered and paged by cursor.
import { formatReport } from '../policy/report.js';
import type { PushRecord } from '../store/store-types.js';
import type { ChangesetSummary } from './changeset-summaries.js';
import type { GateRecord } from './gate-records.js';
import { encodeCursor, type Cursor, type PushesQuery } from './page-query.js';
import { byHead, short, type JobChip, type UiContext } from './ui-context.js';

export const PAGE_SIZE = 50;

export interface PushRow {
  id: string;
  at: string;
  pusher: string;
  channel: string;
  verdict: 'accepted' | 'rejected' | 'bypassed' | 'landed';
  source: string | null;
  /** The rejection exactly as the pusher saw it. */
  report: string | null;
  bypass: string[];
  changesets: Array<{ short: string; firstLine: string; author: string }>;
  changesetCount: number;
  heads: Array<{ node: string; short: string; branch: string; jobs: JobChip[] }>;
}

export interface PushesView {
  rows: PushRow[];
  query: PushesQuery;
  next: string | null;
}

const after = (a: Cursor, b: Cursor) => a.at > b.at || (a.at === b.at && a.id > b.id);

/** The gate's report of a rejected push, rebuilt from its audit record with the report code the hook used. */
export function rejectionReport(g: GateRecord, maxViolations: number): string {
  const order = [...new Set(g.violations.map((v) => v.node).filter((n): n is string => n !== null))];
  return formatReport({ violations: g.violations, bypassed: [], changesets: g.changesets }, { order, max: maxViolations, mode: 'push' });
}

/** Pushes the gate judged that the store does not hold (rejected, or not processed yet), newer than `floor`. */
async function gateOnly(ctx: UiContext, q: PushesQuery, floor: Cursor | null, want: number): Promise<GateRecord[]> {
  if (q.branch || q.task || q.status) return [];
  const repo = ctx.config.repo.id ?? null;
  const keep = (g: GateRecord) =>
    (repo === null || g.repo === null || g.repo === repo) &&
    (!q.pusher || g.pusher === q.pusher) &&
    (!floor || after({ at: g.at, id: g.txn }, floor));
  const out: GateRecord[] = [];
  let cursor = q.cursor;
  for (let round = 0; round < 50 && out.length < want; round++) {
    const batch = ctx.gate.before(cursor, 200, keep);
    if (batch.length === 0) break;
    const stored = new Set((await ctx.store.pushesByIds(batch.map((g) => g.txn))).map((p) => p.id));
    out.push(...batch.filter((g) => g.verdict === 'rejected' || !stored.has(g.txn)));
    const last = batch.at(-1)!;
    cursor = { at: last.at, id: last.txn };
  }
  return out;
}

function rowOf(ctx: UiContext, p: PushRecord | null, g: GateRecord | undefined, id: string): Omit<PushRow, 'changesets' | 'heads'> {
  const verdict = g?.verdict ?? 'landed';
  return {
    id,
    at: p?.createdAt ?? g!.at,
    pusher: p?.actor.sub ?? g?.pusher ?? 'unknown',
    channel: p?.actor.via ?? g?.channel ?? 'unknown',
    verdict,
    source: p?.source ?? null,
    report: g && verdict === 'rejected' ? rejectionReport(g, ctx.config.gate.maxViolations) : null,
    bypass: g && verdict === 'bypassed' ? g.bypassed.map((b) => b.reason) : [],
    changesetCount: g?.changesets ?? 0,
  };
}

function summaryOf(list: ChangesetSummary[]): PushRow['changesets'] {
  return list.map((c) => ({ short: short(c.node), firstLine: c.firstLine, author: c.author }));
}

export async function pushesPage(ctx: UiContext, q: PushesQuery): Promise<PushesView> {
  ctx.gate.refresh();
  const stored = await ctx.store.pushesNewestFirst({
    ...(ctx.config.repo.id ? { repo: ctx.config.repo.id } : {}),
    ...(q.cursor ? { before: q.cursor } : {}),
    limit: PAGE_SIZE + 1,
    ...(q.pusher ? { pusher: q.pusher } : {}),
    ...(q.branch ? { branch: q.branch } : {}),
    ...(q.task ? { task: q.task } : {}),
    ...(q.status ? { status: q.status } : {}),
  });
  const floor = stored.length > PAGE_SIZE ? { at: stored[PAGE_SIZE - 1]!.createdAt, id: stored[PAGE_SIZE - 1]!.id } : null;
  const onlyGate = await gateOnly(ctx, q, floor, PAGE_SIZE + 1);
  const merged = [
    ...stored.map((p) => ({ key: { at: p.createdAt, id: p.id }, p, g: ctx.gate.get(p.id) })),
    ...onlyGate.map((g) => ({ key: { at: g.at, id: g.txn }, p: null, g })),
  ].sort((a, b) => (after(a.key, b.key) ? -1 : after(b.key, a.key) ? 1 : 0));
  const page = merged.slice(0, PAGE_SIZE);
  const landed = page.flatMap((e) => (e.p ? [e.p] : []));
  const [jobs, changesets] = await Promise.all([
    ctx.store.chipsOfPushes(landed.map((p) => p.id)),
    ctx.changesets.of(landed.map((p) => ({ id: p.id, node: p.node, nodeLast: p.nodeLast }))),
  ]);
  const rows = page.map((e): PushRow => {
    const base = rowOf(ctx, e.p, e.g, e.key.id);
    const list = changesets.get(e.key.id) ?? [];
    return {
      ...base,
      changesetCount: Math.max(base.changesetCount, list.length),
      changesets: summaryOf(list),
      heads: byHead(jobs.filter((j) => j.pushId === e.key.id)).map((h) => ({ ...h, short: short(h.node) })),
    };
  });
  const last = page.at(-1);
  return { rows, query: q, next: merged.length > PAGE_SIZE && last ? encodeCursor(last.key) : null };
}
