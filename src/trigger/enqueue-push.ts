import type { TaskgateConfig } from '../config/config-types.js';
import { faultPoint } from '../errors/fault-point.js';
import { TaskgateError, isTaskgateError, toTaskgateError } from '../errors/taskgate-error.js';
import { buildHeadJobs } from '../jobs/build-jobs.js';
import type { JobActor, PushRef } from '../jobs/job-types.js';
import { openStore } from '../store/open-store.js';
import type { EnqueueBatch, EnqueueResult, JobStore, PushRecord, SupersededJob } from '../store/store-types.js';
import { auditSuperseded } from './audit-superseded.js';
import { jobAuditTrail } from './audit-trail.js';
import { mintQueuedTokens, type Minted } from './mint-queued-tokens.js';
import { drainOutbox, writeOutbox } from './outbox.js';
import type { HeadPlan } from './plan-push.js';

/** The configuration's repo.id: job ids and token subjects depend on it, so the trigger needs it. */
export function repoId(config: TaskgateConfig): string {
  const id = config.repo.id;
  if (!id) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${config.source.path} has no repo.id`,
      'set "repo": { "id": "org/name" } in the repository\'s own .hg/taskgate.json (job ids and token subjects depend on it)',
    );
  }
  return id;
}

/** One batch for the whole push: every head's jobs, and the heads it marks as processed. */
export function buildBatch(
  config: TaskgateConfig,
  plans: HeadPlan[],
  push: PushRef,
  actor: JobActor,
  source: PushRecord['source'],
  now: Date,
): EnqueueBatch {
  const repo = repoId(config);
  const jobs = plans.flatMap((p) => buildHeadJobs({ repo, node: p.node, branch: p.branch, tasks: p.tasks, push, actor, now }));
  return {
    push: {
      id: push.id,
      repo,
      node: push.node,
      nodeLast: push.nodeLast,
      heads: plans.map((p) => p.node),
      actor,
      source,
      createdAt: now.toISOString(),
    },
    jobs,
  };
}

export interface CommitResult {
  result: EnqueueResult | null;
  /** Set when the store could not be written and the batch went to the outbox. */
  outbox: string | null;
  storeError: TaskgateError | null;
  minted: Minted[];
  /** Set when tokens could not be minted (no key, say): the jobs wait, `reconcile` mints later. */
  tokenError: TaskgateError | null;
  drained: number;
  /** Set when earlier pushes no hook finished could not be enqueued now (reconcile will). */
  catchUpError?: TaskgateError;
}

function isStoreError(error: unknown): error is TaskgateError {
  return (
    isTaskgateError(error) &&
    (error.code === 'ERR_STORE_UNAVAILABLE' || error.code === 'ERR_STORE_CORRUPT' || error.code === 'ERR_STORE_BACKEND')
  );
}

/**
 * Writes a batch to the store in one transaction, after draining any older outbox; if the
 * store cannot be reached, the batch goes to the fsync'd outbox instead, and nothing is lost.
 * Then the queued tokens of the ready jobs are minted.
 */
export async function commitBatch(
  root: string,
  config: TaskgateConfig,
  batch: EnqueueBatch,
  now: () => Date,
  /** Appended once the batch is in the store: the job events' audit chain (the file, or the store's own). */
  enqueued?: (result: CommitResult) => Record<string, unknown>,
  /** Runs with the store open, before the batch: enqueues earlier pushes no hook finished. */
  catchUp?: (store: JobStore) => Promise<void>,
): Promise<CommitResult> {
  let store: JobStore | null = null;
  const superseded: SupersededJob[] = [];
  const out: CommitResult = { result: null, outbox: null, storeError: null, minted: [], tokenError: null, drained: 0 };
  try {
    store = await openStore(config);
    out.drained = (await drainOutbox(root, store, undefined, (r) => superseded.push(...r.superseded))).length;
    if (catchUp) {
      try {
        await catchUp(store);
      } catch (error) {
        if (isStoreError(error)) throw error;
        // the push's own jobs come first: an earlier push is reconcile's to finish
        out.catchUpError = toTaskgateError(error);
      }
    }
    out.result = await store.enqueue(batch);
  } catch (error) {
    if (!isStoreError(error)) throw error;
    out.storeError = error;
    out.outbox = writeOutbox(root, batch);
    faultPoint('trigger:outbox-written');
    await store?.close();
    return out;
  }
  try {
    try {
      out.minted = await mintQueuedTokens(store, config, now);
    } catch (error) {
      if (!isTaskgateError(error)) throw error;
      out.tokenError = error;
    }
    if (enqueued) await jobAuditTrail(config, store).append('jobs.enqueued', enqueued(out), now);
    await auditSuperseded(config, store, [...superseded, ...(out.result?.superseded ?? [])], now);
  } finally {
    await store.close();
  }
  return out;
}
