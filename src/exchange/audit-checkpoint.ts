/** Signed checkpoints of the audit chains (DESIGN §15): made when due or on demand, and what `audit verify` checks against. */
import { fileTrail, storedTrail, type AuditTrail } from '../audit/audit-chain.js';
import { checkAnchor, readCheckpoints, shipCheckpoint, type Anchor } from '../audit/checkpoints.js';
import type { AuditCheck } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobStore } from '../store/store-types.js';

/** A checkpoint every this many records, or after this long with new records. */
const CHECKPOINT_RECORDS = 100;
const CHECKPOINT_SECONDS = 600;

export interface NamedTrail {
  /** `file`: the repository's audit log; `store`: the chain a PostgreSQL store keeps. */
  chain: 'file' | 'store';
  trail: AuditTrail;
}

/** The chains of a deployment: the audit file always, the store's chain where it keeps one. */
export function chainsOf(config: TaskgateConfig, store: JobStore | null): NamedTrail[] {
  const chains: NamedTrail[] = [{ chain: 'file', trail: fileTrail(config.audit.path) }];
  if (store?.auditStorage) chains.push({ chain: 'store', trail: storedTrail(store.auditStorage) });
  return chains;
}

/** The claims of our own newest checkpoint of a chain, unverified: only to decide whether the next one is due. */
function newestLocal(config: TaskgateConfig, chain: string): Anchor | null {
  let best: Anchor | null = null;
  for (const jws of readCheckpoints(undefined, config.audit.path)) {
    try {
      const claims = JSON.parse(Buffer.from(jws.split('.')[1] ?? '', 'base64url').toString('utf8')) as Anchor;
      if (claims.chain === chain && (!best || claims.seq > best.seq)) best = claims;
    } catch {
      // a damaged line: verify reports it, the next checkpoint replaces it
    }
  }
  return best;
}

/** Signs and ships a checkpoint of each chain's head; with `due`, only of those 100 records or 10 minutes past their last one. */
export async function makeCheckpoints(config: TaskgateConfig, store: JobStore | null, now: Date, due = false): Promise<Anchor[]> {
  const made: Anchor[] = [];
  for (const { chain, trail } of chainsOf(config, store)) {
    const head = await trail.head();
    if (!head) continue;
    const last = newestLocal(config, chain);
    if (due && last) {
      const grown = head.seq - last.seq;
      const aged = now.getTime() - Date.parse(last.at) >= CHECKPOINT_SECONDS * 1000;
      if (grown <= 0 || (grown < CHECKPOINT_RECORDS && !aged)) continue;
    }
    // jose and the key only when one is due
    const { signCheckpoint } = await import('../tokens/checkpoint-token.js');
    const { activeKey, readKeyFile } = await import('../tokens/key-store.js');
    const anchor: Anchor = { chain, seq: head.seq, hash: head.hash, at: now.toISOString() };
    await shipCheckpoint(
      config.audit.checkpoints,
      config.audit.path,
      await signCheckpoint(anchor, activeKey(readKeyFile(config.tokens.keys)), config.tokens.issuer),
    );
    made.push(anchor);
  }
  return made;
}

/** The newest checkpoint of `chain` whose signature holds, among those this host can read; refused ones are problems. */
async function newestAnchor(config: TaskgateConfig, chain: string): Promise<{ anchor: Anchor | null; problems: string[] }> {
  const jwss = readCheckpoints(config.audit.checkpoints, config.audit.path);
  if (jwss.length === 0) return { anchor: null, problems: [] };
  const { verifyCheckpoint } = await import('../tokens/checkpoint-token.js');
  const { readKeyFile } = await import('../tokens/key-store.js');
  const keys = readKeyFile(config.tokens.keys);
  let anchor: Anchor | null = null;
  const problems: string[] = [];
  for (const jws of jwss) {
    try {
      const a = await verifyCheckpoint(jws, keys, config.tokens.issuer);
      if (a.chain === chain && (!anchor || a.seq > anchor.seq)) anchor = a;
    } catch (error) {
      problems.push(`a checkpoint beside the log or in audit.checkpoints is refused: ${(error as Error).message}`);
    }
  }
  return { anchor, problems };
}

interface AnchoredCheck extends AuditCheck {
  /** The checkpoint the chain was checked against; null when none could be read (the chain then proves only its own consistency). */
  checkpoint: Anchor | null;
}

/**
 * `audit verify` for one chain: its own links, then the newest checkpoint (records it covers
 * missing or changed fail it), and a missing or empty audit file while the store knows of pushes.
 */
export async function verifyAnchored(config: TaskgateConfig, named: NamedTrail, store: JobStore | null): Promise<AnchoredCheck> {
  const own = await named.trail.verify();
  const { anchor, problems } = await newestAnchor(config, named.chain);
  const lines = await named.trail.lines();
  if (anchor) problems.push(...checkAnchor(lines, anchor));
  if (named.chain === 'file' && lines.length === 0 && store && (await store.listPushes({ limit: 1 })).length > 0)
    problems.push('the audit log is missing or empty, but the job store knows of pushes (the log was deleted or replaced)');
  const all = [...own.problems, ...problems];
  return { ok: all.length === 0, records: own.records, problems: all, checkpoint: anchor };
}
