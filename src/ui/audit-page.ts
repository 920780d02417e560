// The audit page: the newest records of each chain (the gate's file; the store's chain where it keeps one), whether each verifies as `audit verify` says, its newest checkpoint.
import type { AuditRecord } from '../audit/audit-log.js';
import { chainsOf, verifyAnchored, type NamedTrail } from '../exchange/audit-checkpoint.js';
import type { UiContext } from './ui-context.js';

export const AUDIT_TAIL = 100;

export interface ChainView {
  name: string;
  ok: boolean;
  records: number;
  problems: string[];
  tail: Array<{ seq: number; ts: string; event: string; summary: string; hash: string }>;
  /** The newest signed checkpoint this host can read whose signature holds (DESIGN §15), wherever it was shipped. */
  checkpoint: { seq: number; ts: string; hash: string } | null;
}

/** A record's data in one line: its fields as `key=value` (values as JSON; the log never holds a token or key). */
function summary(r: AuditRecord): string {
  return Object.entries(r.data)
    .filter(([k]) => k !== 'violations')
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .concat(Array.isArray(r.data['violations']) ? [`violations=${r.data['violations'].length}`] : [])
    .join('  ');
}

/** A chain as `audit verify` judges it (its links, and the newest checkpoint whose signature holds), with its newest records. */
async function chain({ trail, chain }: NamedTrail, label: string, ctx: UiContext): Promise<ChainView> {
  const [check, tail] = await Promise.all([verifyAnchored(ctx.config, { trail, chain }, ctx.store), trail.tail(AUDIT_TAIL)]);
  const cp = check.checkpoint;
  return {
    name: label,
    ok: check.ok,
    records: check.records,
    problems: check.problems.slice(0, 20).map((p) => p.split(trail.name).join('the chain')),
    tail: tail.reverse().map((r) => ({ seq: r.seq, ts: r.ts, event: r.event, summary: summary(r), hash: r.hash.slice(0, 16) })),
    checkpoint: cp ? { seq: cp.seq, ts: cp.at, hash: cp.hash.slice(0, 16) } : null,
  };
}

const LABELS = { file: 'the audit log (gate and hooks)', store: "the store's audit chain (jobs)" } as const;

export async function auditPage(ctx: UiContext): Promise<{ chains: ChainView[] }> {
  const chains: ChainView[] = [];
  for (const named of chainsOf(ctx.config, ctx.store)) chains.push(await chain(named, LABELS[named.chain], ctx));
  return { chains };
}
