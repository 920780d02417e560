import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AuditRecord } from '../audit/audit-log.js';
import { auditSuperseded } from './audit-superseded.js';
import { jobAuditTrail } from './audit-trail.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { ReadParser, readChangesets } from '../hg/read-push.js';
import type { JobActor } from '../jobs/job-types.js';
import { openStore } from '../store/open-store.js';
import type { JobStore, SupersededJob } from '../store/store-types.js';
import { mintQueuedTokens, type Minted } from './mint-queued-tokens.js';
import { buildBatch, repoId } from './enqueue-push.js';
import { drainOutbox } from './outbox.js';
import { planPush, type HeadPlan } from './plan-push.js';

export interface ReconcileResult {
  drained: number;
  plans: HeadPlan[];
  created: string[];
  existing: string[];
  minted: Minted[];
  actor: JobActor | null;
}

/** Who pushed these heads, from the gate's audit record for them, if there is one. */
function gateRecordFor(auditPath: string, heads: string[]): { actor: JobActor; txn: string | null } | null {
  let lines: string[];
  try {
    lines = readFileSync(auditPath, 'utf8').split('\n');
  } catch {
    return null;
  }
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i];
    if (!line) continue;
    try {
      const rec = JSON.parse(line) as AuditRecord;
      if (rec.event !== 'push.accepted' && rec.event !== 'push.bypassed') continue;
      const d = rec.data as { heads?: string[]; pusher?: string | null; channel?: JobActor['via']; groups?: string[]; txn?: string | null };
      if (d.heads?.some((h) => heads.includes(h))) {
        return { actor: { sub: d.pusher ?? null, via: d.channel ?? 'unknown', groups: d.groups ?? [] }, txn: d.txn ?? null };
      }
    } catch {
      // a damaged line is audit verify's business
    }
  }
  return null;
}

export interface CatchUp {
  plans: HeadPlan[];
  created: string[];
  existing: string[];
  actor: JobActor | null;
}

/**
 * Enqueues the changesets of `revset` that no processed push covers, as one push, taking the
 * pusher from the gate's record of their heads (or recording it as unknown). Job ids are
 * deterministic, so whoever gets there first (reconcile, or a later push's hook) creates
 * them and the others find them there.
 */
export async function enqueueUncovered(
  store: JobStore,
  root: string,
  config: TaskgateConfig,
  env: NodeJS.ProcessEnv,
  now: () => Date,
  revset: string,
  parser?: ReadParser,
  onProgress: (text: string) => void = () => {},
): Promise<CatchUp> {
  const repo = repoId(config);
  const tmp = mkdtempSync(join(tmpdir(), 'taskgate-reconcile-'));
  let push;
  try {
    const file = join(tmp, 'processed');
    writeFileSync(file, (await store.processedHeads(repo)).join('\n'));
    push = await readChangesets(root, revset, { headStatus: true, track: [config.manifest.path], excludeAncestorsOf: file }, env, parser);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (push.changesets.length === 0) return { plans: [], created: [], existing: [], actor: null };
  const plans = planPush(push, config.manifest.path);
  const heads = plans.map((p) => p.node);
  const gate = gateRecordFor(config.audit.path, heads);
  const actor = gate?.actor ?? { sub: null, via: 'unknown' as const, groups: [] };
  const first = push.changesets[0]!.node;
  const last = push.changesets.at(-1)!.node;
  const id = gate?.txn ?? `reconcile:${createHash('sha256').update(heads.join('\n')).digest('hex').slice(0, 16)}`;
  const batch = buildBatch(config, plans, { id, node: first, nodeLast: last }, actor, 'reconcile', now());
  onProgress(`enqueueing ${batch.jobs.length} jobs for ${heads.length} head${heads.length === 1 ? '' : 's'}`);
  const { created, existing, superseded } = await store.enqueue(batch);
  await jobAuditTrail(config, store).append(
    'jobs.enqueued',
    { repo, push: id, heads, created, existing, reconciled: true, pusher: actor.sub, channel: actor.via },
    now,
  );
  await auditSuperseded(config, store, superseded, now);
  return { plans, created, existing, actor };
}

/**
 * `taskgate reconcile`: drains the outbox, then enqueues every changeset that no processed
 * push covers (hook skipped or crashed, hgrc untrusted, store down), taking the pusher from
 * the gate's record of those heads, or recording it as unknown; then mints missing tokens.
 */
export async function reconcile(
  root: string,
  config: TaskgateConfig,
  env: NodeJS.ProcessEnv,
  now: () => Date = () => new Date(),
  onProgress: (text: string) => void = () => {},
): Promise<ReconcileResult> {
  repoId(config);
  const store = await openStore(config);
  try {
    const superseded: SupersededJob[] = [];
    const drained = (
      await drainOutbox(
        root,
        store,
        (done, total) => onProgress(`draining the outbox: ${done}/${total} batches`),
        (r) => superseded.push(...r.superseded),
      )
    ).length;
    await auditSuperseded(config, store, superseded, now);
    let read = 0;
    const parser = new ReadParser(() => onProgress(`reading unprocessed changesets: ${++read}`));
    const { plans, created, existing, actor } = await enqueueUncovered(store, root, config, env, now, 'all()', parser, onProgress);
    onProgress('minting queued tokens');
    const minted = await mintQueuedTokens(store, config, now);
    return { drained, plans, created, existing, minted, actor };
  } finally {
    await store.close();
  }
}
