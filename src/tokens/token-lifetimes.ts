// How long each kind of job token lives, computed once from the configuration.
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';

export interface TokenLifetimes {
  queued: number;
  /** At least three heartbeat intervals (DESIGN §8), so one late heartbeat never loses a lease. */
  running: number;
  done: number;
  /** The longest a job token signed now may live: old public keys stay published that long after a rotation. */
  longest: number;
}

/** The lifetimes in seconds of the queued, running and done tokens (`tokens.ttl`, `worker.heartbeat`). */
export function tokenLifetimes(config: TaskgateConfig): TokenLifetimes {
  const t = config.tokens.ttl;
  const queued = durationSeconds(t.queued, 'tokens.ttl.queued');
  const running = Math.max(
    durationSeconds(t.running, 'tokens.ttl.running'),
    3 * durationSeconds(config.worker.heartbeat, 'worker.heartbeat'),
  );
  const done = durationSeconds(t.done, 'tokens.ttl.done');
  return { queued, running, done, longest: Math.max(queued, running, done) };
}
