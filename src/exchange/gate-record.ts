// The gate's record of a push in the audit file: who pushed it and what the gate said.
import { readFileSync } from 'node:fs';
import type { AuditRecord } from '../audit/audit-log.js';
import type { JobActor } from '../jobs/job-types.js';

interface GateRecord {
  actor: JobActor;
  txn: string | null;
  verdict: 'accepted' | 'bypassed';
  at: string;
}

interface GateData {
  heads?: string[];
  pusher?: string | null;
  channel?: JobActor['via'];
  groups?: string[];
  txn?: string | null;
}

/** A push is known by its transaction id (lineage) or by any of its heads (reconcile: the hook did not finish). */
type PushKey = { txn: string } | { heads: string[] };

function matches(data: GateData, key: PushKey): boolean {
  return 'txn' in key ? data.txn === key.txn : (data.heads ?? []).some((h) => key.heads.includes(h));
}

/**
 * The newest `push.accepted` or `push.bypassed` record of the push, or null. The gate always
 * writes the repository's audit file (it must work without the store), so that file is read.
 */
export function gateRecordOf(auditPath: string, key: PushKey): GateRecord | null {
  let lines: string[];
  try {
    lines = readFileSync(auditPath, 'utf8').split('\n');
  } catch {
    return null;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    // a cheap look before parsing: most lines are other events
    if (!line.includes('"push.accepted"') && !line.includes('"push.bypassed"')) continue;
    if ('txn' in key && !line.includes(key.txn)) continue;
    try {
      const rec = JSON.parse(line) as AuditRecord;
      if (rec.event !== 'push.accepted' && rec.event !== 'push.bypassed') continue;
      const d = rec.data as GateData;
      if (!matches(d, key)) continue;
      return {
        actor: { sub: d.pusher ?? null, via: d.channel ?? 'unknown', groups: d.groups ?? [] },
        txn: d.txn ?? null,
        verdict: rec.event === 'push.bypassed' ? 'bypassed' : 'accepted',
        at: rec.ts,
      };
    } catch {
      // a damaged line is `audit verify`'s business
    }
  }
  return null;
}
