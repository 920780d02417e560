// `taskgate reconcile`: the trigger's steps over the whole repository, for pushes no hook finished.
import type { RepoConfig } from '../config/config-types.js';
import { mintQueuedTokens, type Minted } from '../exchange/mint-queued-tokens.js';
import { ReadParser } from '../hg/read-push.js';
import type { JobActor } from '../jobs/job-types.js';
import { withStore } from '../store/with-store.js';
import { queueMove } from './bookmark-trigger.js';
import { drainOutbox } from './outbox.js';
import { pendingMoves, settleMove } from './pending-moves.js';
import type { HeadPlan } from './plan-push.js';
import { enqueueUnprocessed } from './unprocessed.js';

interface ReconcileResult {
  drained: number;
  plans: HeadPlan[];
  created: string[];
  existing: string[];
  minted: Minted[];
  actor: JobActor | null;
  /** Bookmark moves whose hook did not finish, replayed now; damaged records are left for doctor. */
  moves: { replayed: number; jobs: number; damaged: number };
}

/** Each bookmark move a hook recorded but did not finish, queued as its pusher; settled once handed on (store or outbox). */
async function replayMoves(root: string, config: RepoConfig, env: NodeJS.ProcessEnv, now: () => Date): Promise<ReconcileResult['moves']> {
  const out = { replayed: 0, jobs: 0, damaged: 0 };
  for (const { file, move } of pendingMoves(root)) {
    if (!move) {
      out.damaged += 1;
      continue;
    }
    out.jobs += (await queueMove(root, config, move, env, now, 'reconcile')).jobs;
    settleMove(file);
    out.replayed += 1;
  }
  return out;
}

/**
 * Drain the outbox -> unprocessed heads (hook skipped or crashed, hgrc untrusted, store down)
 * -> affected -> enqueue, with the pusher from the gate's record of those heads or unknown;
 * then the queued tokens still missing (a key that was absent, a retried job) are minted, and
 * bookmark moves whose hook did not finish are queued.
 */
export async function reconcile(
  root: string,
  config: RepoConfig,
  env: NodeJS.ProcessEnv,
  now: () => Date = () => new Date(),
  onProgress: (text: string) => void = () => {},
): Promise<ReconcileResult> {
  return withStore(config, async (store) => {
    const outbox = await drainOutbox(root, store, config, now, (done, total) =>
      onProgress(`draining the outbox: ${done}/${total} batches`),
    );
    let read = 0;
    const parser = new ReadParser(() => onProgress(`reading unprocessed changesets: ${++read}`));
    const caught = await enqueueUnprocessed(store, root, config, env, now, 'all()', { parser, onProgress });
    onProgress('minting queued tokens');
    const minted = [...outbox.minted, ...caught.minted, ...(await mintQueuedTokens(store, config, now))];
    onProgress('replaying bookmark moves');
    const moves = await replayMoves(root, config, env, now);
    return {
      moves,
      drained: outbox.drained,
      plans: caught.plans,
      created: caught.created,
      existing: caught.existing,
      minted,
      actor: caught.actor,
    };
  });
}
