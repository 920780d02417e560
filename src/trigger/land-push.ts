// The changegroup hook's steps for a landed push, in order: drain the outbox, earlier unprocessed pushes, this push.
import type { RepoConfig } from '../config/config-types.js';
import { enqueuePush, type Enqueued } from '../exchange/enqueue-push.js';
import { faultPoint } from '../errors/fault-point.js';
import { isTaskgateError, toTaskgateError, type TaskgateError } from '../errors/taskgate-error.js';
import { openStore } from '../store/open-store.js';
import type { EnqueueBatch, JobStore } from '../store/store-types.js';
import { drainOutbox, writeOutbox } from './outbox.js';
import { enqueueUnprocessed } from './unprocessed.js';

export interface Landed {
  drained: number;
  /** Jobs created for earlier pushes whose hook did not finish. */
  caughtUp: number;
  /** Set when earlier pushes could not be enqueued now (reconcile will). */
  catchUpError: TaskgateError | null;
  enqueued: Enqueued | null;
  /** Set when the store could not be written and the batch went to the outbox. */
  outbox: string | null;
  storeError: TaskgateError | null;
}

function isStoreError(error: unknown): error is TaskgateError {
  return (
    isTaskgateError(error) &&
    (error.code === 'ERR_STORE_UNAVAILABLE' || error.code === 'ERR_STORE_CORRUPT' || error.code === 'ERR_STORE_BACKEND')
  );
}

/**
 * A push whose hook did not finish (crashed, or runs late) would be covered by this one's
 * heads from now on: its jobs are queued first, as its own push. `entries` are the nodes
 * this push attaches to; the push's own jobs come first, so only store errors stop it.
 */
async function catchUp(store: JobStore, root: string, config: RepoConfig, env: NodeJS.ProcessEnv, now: () => Date, entries: string[]) {
  try {
    const processed = new Set(await store.processedHeads(config.repo.id, entries));
    const open = entries.filter((node) => !processed.has(node));
    if (open.length === 0) return { created: 0, error: null };
    return { created: (await enqueueUnprocessed(store, root, config, env, now, `::(${open.join(' or ')})`)).created.length, error: null };
  } catch (error) {
    if (isStoreError(error)) throw error;
    return { created: 0, error: toTaskgateError(error) };
  }
}

/**
 * Drain the outbox -> unprocessed heads below this push -> this push (enqueue, mint, audit).
 * If the store cannot be reached, the batch goes to the fsync'd outbox instead: nothing is lost.
 */
export async function landPush(
  root: string,
  config: RepoConfig,
  env: NodeJS.ProcessEnv,
  batch: EnqueueBatch,
  entries: string[],
  now: () => Date,
): Promise<Landed> {
  const out: Landed = { drained: 0, caughtUp: 0, catchUpError: null, enqueued: null, outbox: null, storeError: null };
  let store: JobStore | null = null;
  try {
    store = await openStore(config);
    out.drained = (await drainOutbox(root, store, config, now)).drained;
    const earlier = await catchUp(store, root, config, env, now, entries);
    out.caughtUp = earlier.created;
    out.catchUpError = earlier.error;
    out.enqueued = await enqueuePush(store, config, batch, now);
  } catch (error) {
    if (!isStoreError(error)) throw error;
    out.storeError = error;
    out.outbox = writeOutbox(root, batch);
    faultPoint('trigger:outbox-written');
  } finally {
    await store?.close();
  }
  return out;
}
