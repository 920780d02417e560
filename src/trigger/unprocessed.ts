// The trigger's second step: the changesets no processed push covers, as one push to plan and enqueue.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoConfig } from '../config/config-types.js';
import { enqueuePush, type Enqueued } from '../exchange/enqueue-push.js';
import { gateRecordOf } from '../exchange/gate-record.js';
import type { PushData } from '../hg/hg-types.js';
import { readChangesets, type ReadParser } from '../hg/read-push.js';
import type { JobActor } from '../jobs/job-types.js';
import type { JobStore } from '../store/store-types.js';
import { planPush, type HeadPlan } from './plan-push.js';
import { buildBatch } from './push-batch.js';

/**
 * The changesets of `revset` that no processed push covers (the store records pushes by their
 * head nodes, never by revision numbers). `plan`: read what planning the heads needs too.
 */
export async function readUnprocessed(
  store: JobStore,
  root: string,
  config: RepoConfig,
  env: NodeJS.ProcessEnv,
  revset: string,
  options: { plan?: boolean; parser?: ReadParser } = {},
): Promise<PushData> {
  const tmp = mkdtempSync(join(tmpdir(), 'taskgate-processed-'));
  try {
    const file = join(tmp, 'processed');
    writeFileSync(file, (await store.processedHeads(config.repo.id)).join('\n'));
    const read = options.plan ? { headStatus: true, track: [config.manifest.path] } : {};
    return await readChangesets(root, revset, { ...read, excludeAncestorsOf: file }, env, options.parser);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface CatchUp extends Omit<Enqueued, 'tokenError'> {
  plans: HeadPlan[];
  actor: JobActor | null;
}

/**
 * Unprocessed heads -> affected -> enqueue: the changesets of `revset` no processed push
 * covers, as one push, with the pusher from the gate's record of their heads (or unknown).
 * Job ids are deterministic, so whoever gets there first (reconcile, or a later push's
 * hook) creates them and the others find them there.
 */
export async function enqueueUnprocessed(
  store: JobStore,
  root: string,
  config: RepoConfig,
  env: NodeJS.ProcessEnv,
  now: () => Date,
  revset: string,
  options: { parser?: ReadParser; onProgress?: (text: string) => void } = {},
): Promise<CatchUp> {
  const push = await readUnprocessed(store, root, config, env, revset, {
    plan: true,
    ...(options.parser ? { parser: options.parser } : {}),
  });
  if (push.changesets.length === 0) return { plans: [], created: [], existing: [], minted: [], actor: null };
  const plans = planPush(push, config.manifest.path);
  const heads = plans.map((p) => p.node);
  const gate = gateRecordOf(config.audit.path, { heads });
  const actor = gate?.actor ?? { sub: null, via: 'unknown' as const, groups: [] };
  const id = gate?.txn ?? `reconcile:${createHash('sha256').update(heads.join('\n')).digest('hex').slice(0, 16)}`;
  const pushRef = { id, node: push.changesets[0]!.node, nodeLast: push.changesets.at(-1)!.node };
  const batch = buildBatch(config, plans, pushRef, actor, 'reconcile', now());
  options.onProgress?.(`enqueueing ${batch.jobs.length} jobs for ${heads.length} head${heads.length === 1 ? '' : 's'}`);
  const { created, existing, minted } = await enqueuePush(store, config, batch, now, {
    reconciled: true,
    pusher: actor.sub,
    channel: actor.via,
  });
  return { plans, created, existing, minted, actor };
}

/**
 * `taskgate install`: the history before taskgate is not a push to run. When no push is
 * recorded yet, today's heads are recorded as one processed push without jobs; returns how many.
 */
export async function markHistoryProcessed(
  store: JobStore,
  root: string,
  config: RepoConfig,
  env: NodeJS.ProcessEnv,
  now: () => Date,
): Promise<number> {
  if ((await store.processedHeads(config.repo.id)).length > 0) return 0;
  const heads = (await readUnprocessed(store, root, config, env, 'head()')).changesets.map((c) => c.node);
  if (heads.length === 0) return 0;
  const at = now().toISOString();
  const actor = { sub: null, via: 'local' as const, groups: [] };
  const push = {
    id: `install:${at}`,
    repo: config.repo.id,
    node: heads[0]!,
    nodeLast: heads.at(-1)!,
    heads,
    actor,
    source: 'install' as const,
  };
  await enqueuePush(store, config, { push: { ...push, createdAt: at }, jobs: [] }, now, { installed: true });
  return heads.length;
}
