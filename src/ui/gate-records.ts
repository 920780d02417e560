// The gate's verdicts on pushes (accepted, rejected with violations, bypassed), read from the audit file where the gate writes them.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { AuditRecord } from '../audit/audit-log.js';
import type { Violation } from '../policy/policy-types.js';

export interface GateRecord {
  txn: string;
  at: string;
  verdict: 'accepted' | 'rejected' | 'bypassed';
  repo: string | null;
  pusher: string | null;
  channel: string;
  groups: string[];
  node: string;
  nodeLast: string;
  heads: string[];
  changesets: number;
  violations: Violation[];
  bypassed: Array<{ node?: string; reason: string }>;
}

const VERDICTS: Record<string, GateRecord['verdict']> = {
  'push.accepted': 'accepted',
  'push.rejected': 'rejected',
  'push.bypassed': 'bypassed',
};

const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : fallback);
const arr = <T>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);

function toGateRecord(rec: AuditRecord): GateRecord | null {
  const verdict = VERDICTS[rec.event];
  const d = rec.data;
  if (!verdict || typeof d['txn'] !== 'string') return null;
  return {
    txn: d['txn'],
    at: rec.ts,
    verdict,
    repo: typeof d['repo'] === 'string' ? d['repo'] : null,
    pusher: typeof d['pusher'] === 'string' ? d['pusher'] : null,
    channel: str(d['channel'], 'unknown'),
    groups: arr<string>(d['groups']).filter((g) => typeof g === 'string'),
    node: str(d['node']),
    nodeLast: str(d['nodeLast']),
    heads: arr<string>(d['heads']).filter((h) => typeof h === 'string'),
    changesets: typeof d['changesets'] === 'number' ? d['changesets'] : 0,
    violations: arr<Violation>(d['violations']),
    bypassed: arr<{ node?: string; reason: string }>(d['bypassed']),
  };
}

/**
 * Every gate verdict of the audit file, kept in memory and brought up to date by reading only
 * what was appended since the last look (the file is append-only; a shorter file is read again).
 */
export class GateRecords {
  private offset = 0;
  private rest = '';
  private readonly byTxn = new Map<string, GateRecord>();
  /** Oldest first, as appended. */
  private readonly list: GateRecord[] = [];

  /** Told of every new verdict, whoever's refresh read it (a page's or the live loop's). */
  private readonly watchers = new Set<(added: GateRecord[]) => void>();

  constructor(private readonly path: string) {}

  watch(watcher: (added: GateRecord[]) => void): () => void {
    this.watchers.add(watcher);
    return () => this.watchers.delete(watcher);
  }

  /** Reads what was appended; returns the verdicts that are new. */
  refresh(): GateRecord[] {
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return [];
    }
    const added: GateRecord[] = [];
    try {
      const size = fstatSync(fd).size;
      if (size < this.offset) this.reset();
      const chunk = Buffer.alloc(1 << 20);
      while (this.offset < size) {
        const n = readSync(fd, chunk, 0, Math.min(chunk.length, size - this.offset), this.offset);
        if (n <= 0) break;
        this.offset += n;
        this.take(chunk.subarray(0, n).toString('utf8'), added);
      }
    } finally {
      closeSync(fd);
    }
    if (added.length > 0) for (const w of this.watchers) w(added);
    return added;
  }

  private reset(): void {
    this.offset = 0;
    this.rest = '';
    this.byTxn.clear();
    this.list.length = 0;
  }

  private take(text: string, added: GateRecord[]): void {
    const lines = (this.rest + text).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('"push.')) continue;
      try {
        const rec = toGateRecord(JSON.parse(line) as AuditRecord);
        if (!rec) continue;
        this.byTxn.set(rec.txn, rec);
        this.list.push(rec);
        added.push(rec);
      } catch {
        // a damaged line: `audit verify` reports it; the page shows the rest
      }
    }
  }

  get(txn: string): GateRecord | undefined {
    return this.byTxn.get(txn);
  }

  /** Newest first, strictly before (at, txn), those `keep` accepts, at most `limit`. */
  before(cursor: { at: string; id: string } | undefined, limit: number, keep: (r: GateRecord) => boolean): GateRecord[] {
    const out: GateRecord[] = [];
    for (let i = this.list.length - 1; i >= 0 && out.length < limit; i--) {
      const r = this.list[i]!;
      if (this.byTxn.get(r.txn) !== r) continue;
      if (cursor && !(r.at < cursor.at || (r.at === cursor.at && r.txn < cursor.id))) continue;
      if (keep(r)) out.push(r);
    }
    return out.sort((a, b) => (a.at === b.at ? (a.txn < b.txn ? 1 : -1) : a.at < b.at ? 1 : -1));
  }
}
