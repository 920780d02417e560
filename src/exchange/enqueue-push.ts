// The enqueue step of every landed push: its jobs into the store, the queued tokens of the ready ones, one audit record.
import type { TaskgateConfig } from '../config/config-types.js';
import { isTaskgateError, type TaskgateError } from '../errors/taskgate-error.js';
import type { EnqueueBatch, JobStore } from '../store/store-types.js';
import { auditSuperseded } from './audit-superseded.js';
import { jobAuditTrail } from './audit-trail.js';
import { mintQueuedTokens, type Minted } from './mint-queued-tokens.js';

export interface Enqueued {
  created: string[];
  existing: string[];
  minted: Minted[];
  /** Set when tokens could not be minted (no key, say): the jobs wait, `reconcile` mints later. */
  tokenError: TaskgateError | null;
}

/**
 * Enqueues a push's batch in one transaction (idempotent: job ids are deterministic), mints
 * the queued tokens of the jobs that are ready, and appends `jobs.enqueued` (with `note`) to
 * the job events' chain. Store errors reach the caller, which keeps the batch in its outbox.
 */
export async function enqueuePush(
  store: JobStore,
  config: TaskgateConfig,
  batch: EnqueueBatch,
  now: () => Date,
  note: Record<string, unknown> = {},
): Promise<Enqueued> {
  const { created, existing, superseded } = await store.enqueue(batch);
  let minted: Minted[] = [];
  let tokenError: TaskgateError | null = null;
  try {
    minted = await mintQueuedTokens(store, config, now);
  } catch (error) {
    if (!isTaskgateError(error)) throw error;
    tokenError = error;
  }
  const { repo, id, heads } = batch.push;
  const tokens = minted.map((m) => ({ job: m.job, jti: m.jti }));
  await jobAuditTrail(config, store).append('jobs.enqueued', { repo, push: id, heads, created, existing, tokens, ...note }, now);
  await auditSuperseded(config, store, superseded, now);
  return { created, existing, minted, tokenError };
}
