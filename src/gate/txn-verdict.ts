// The gate's verdict, left for the pretxnclose hook of the same transaction: that hook writes
// ONE audit record per push carrying both verdicts (DESIGN §16), and skips its own hg process
// when the gate's read already answers what it needs (DESIGN §13).
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendAudit, type AuditEvent } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';

export interface GateVerdict {
  txn: string;
  event: AuditEvent;
  data: Record<string, unknown>;
  /** Whether a changeset of the push touches .hgtags (tags cannot have changed otherwise). */
  touchesTags: boolean;
  changesets: number;
}

const DIR = join('.hg', 'taskgate', 'txn');
const STALE_MS = 24 * 3600 * 1000;

function fileOf(root: string, txn: string): string {
  return join(root, DIR, `${txn.replace(/[^A-Za-z0-9_-]/g, '_')}.json`);
}

/** Whether `pretxnclose.taskgate` is registered in the repository's own hgrc (install writes it there). */
export function refsHookInstalled(root: string): boolean {
  try {
    const text = readFileSync(join(root, '.hg', 'hgrc'), 'utf8');
    return /^\s*pretxnclose\.taskgate\s*=\s*\S/m.test(text);
  } catch {
    return false;
  }
}

/**
 * The gate's accepting verdict: left for pretxnclose when it is installed (it writes the one
 * record of the push), else appended to the audit log right away. A rejection is always
 * appended: the transaction ends there and no later hook runs.
 */
export async function recordGateVerdict(
  root: string,
  config: TaskgateConfig,
  verdict: Omit<GateVerdict, 'txn'> & { txn: string | null },
  now: () => Date,
): Promise<void> {
  if (verdict.event === 'push.rejected' || verdict.txn === null || !refsHookInstalled(root)) {
    await appendAudit(config.audit.path, verdict.event, verdict.data, now);
    return;
  }
  const dir = join(root, DIR);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = fileOf(root, verdict.txn);
  // written atomically and owner-only; read back only for the very same transaction id
  writeFileSync(`${path}.tmp`, JSON.stringify(verdict), { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The gate's verdict of this transaction, if it left one (and removes it, with any stale ones). */
export function takeGateVerdict(root: string, txn: string | null): GateVerdict | null {
  if (txn === null) return null;
  const path = fileOf(root, txn);
  let found: GateVerdict | null = null;
  if (existsSync(path)) {
    try {
      const value = JSON.parse(readFileSync(path, 'utf8')) as GateVerdict;
      if (value.txn === txn) found = value;
    } catch {
      found = null;
    }
    rmSync(path, { force: true });
  }
  sweepStale(join(root, DIR));
  return found;
}

/** Verdicts of transactions that never closed (another hook refused them) are removed after a day. */
function sweepStale(dir: string): void {
  try {
    const limit = Date.now() - STALE_MS;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).mtimeMs < limit) rmSync(path, { force: true });
    }
  } catch {
    // nothing to sweep
  }
}
