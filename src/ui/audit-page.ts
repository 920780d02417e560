// The audit page: the newest records of each chain (the gate's file; the store's chain where it keeps one), whether each verifies, the newest checkpoint.
import { fileTrail, storedTrail, type AuditTrail } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-log.js';
import type { UiContext } from './ui-context.js';

export const AUDIT_TAIL = 100;

export interface ChainView {
  name: string;
  ok: boolean;
  records: number;
  problems: string[];
  tail: Array<{ seq: number; ts: string; event: string; summary: string; hash: string }>;
  checkpoint: { seq: number; ts: string; data: string } | null;
}

/** A record's data in one line: its fields as `key=value` (values as JSON; the log never holds a token or key). */
function summary(r: AuditRecord): string {
  return Object.entries(r.data)
    .filter(([k]) => k !== 'violations')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .concat(Array.isArray(r.data['violations']) ? [`violations=${r.data['violations'].length}`] : [])
    .join('  ');
}

async function chain(trail: AuditTrail, label: string): Promise<ChainView> {
  const [check, tail] = await Promise.all([trail.verify(), trail.tail(AUDIT_TAIL)]);
  const cp = [...tail].reverse().find((r) => r.event.includes('checkpoint')) ?? null;
  return {
    name: label,
    ok: check.ok,
    records: check.records,
    problems: check.problems.slice(0, 20).map((p) => p.split(trail.name).join('the chain')),
    tail: tail.reverse().map((r) => ({ seq: r.seq, ts: r.ts, event: r.event, summary: summary(r), hash: r.hash.slice(0, 16) })),
    checkpoint: cp ? { seq: cp.seq, ts: cp.ts, data: summary(cp) } : null,
  };
}

export async function auditPage(ctx: UiContext): Promise<{ chains: ChainView[] }> {
  const chains = [await chain(fileTrail(ctx.config.audit.path), 'the audit log (gate and hooks)')];
  if (ctx.store.auditStorage) chains.push(await chain(storedTrail(ctx.store.auditStorage), "the store's audit chain (jobs)"));
  return { chains };
}
