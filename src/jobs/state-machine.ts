// The jobs' state machine (pure): which token each transition consumes (DESIGN §8), retries and replays, backoff, release of dependents.
import type { JobStatus } from './job-types.js';

/** The transitions a token exchange can make (DESIGN §8). */
export type Transition = 'claim' | 'heartbeat' | 'complete' | 'fail';

/** Which token kind each transition consumes. */
export const CONSUMES: Record<Transition, 'queued' | 'running'> = {
  claim: 'queued',
  heartbeat: 'running',
  complete: 'running',
  fail: 'running',
};

/** The job status each transition needs. */
export const REQUIRES_STATUS: Record<Transition, JobStatus> = {
  claim: 'ready',
  heartbeat: 'running',
  complete: 'running',
  fail: 'running',
};

/** How long the same worker may repeat the same exchange and get the stored answer again. */
export const RETRY_WINDOW_SECONDS = 30;

export interface ConsumedToken {
  state: 'live' | 'consumed' | 'dead';
  consumedBy: string | null;
  consumedAt: number | null;
  transition: string | null;
}

/**
 * What a second presentation of a token means: the same worker repeating the same
 * exchange within 30 s is a retry (answer again); anything else is a replay.
 */
export function presentation(
  token: ConsumedToken,
  worker: string,
  transition: Transition,
  now: number,
): 'fresh' | 'retry' | 'replay' | 'dead' {
  if (token.state === 'live') return 'fresh';
  if (token.state === 'dead') return 'dead';
  if (
    token.consumedBy === worker &&
    token.transition === transition &&
    token.consumedAt !== null &&
    now - token.consumedAt <= RETRY_WINDOW_SECONDS
  )
    return 'retry';
  return 'replay';
}

/** After a failed attempt: try again (with backoff) while attempts are within `retries`, else failed. */
export function afterFailure(attempts: number, retries: number): 'ready' | 'failed' {
  return attempts <= retries ? 'ready' : 'failed';
}

/** Seconds to wait before attempt `attempt + 1`: 1, 2, 4, ... up to a minute. */
export function backoffSeconds(attempt: number): number {
  return Math.min(60, 2 ** Math.max(0, attempt - 1));
}

/** A pending job becomes ready when every job it requires is done. */
export function isReleased(requires: readonly string[], statusOf: (id: string) => JobStatus | undefined): boolean {
  return requires.every((r) => statusOf(r) === 'done');
}

/** Every job that depends on `root`, transitively, among `jobs` (a head's jobs). */
export function dependentsOf(root: string, jobs: ReadonlyArray<{ id: string; requires: readonly string[] }>): string[] {
  const out = new Set<string>();
  let frontier = [root];
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const j of jobs) {
      if (!out.has(j.id) && j.requires.some((r) => frontier.includes(r))) {
        out.add(j.id);
        next.push(j.id);
      }
    }
    frontier = next;
  }
  return [...out];
}

/** Statuses an admin may retry from. */
export const RETRYABLE: ReadonlySet<JobStatus> = new Set(['failed', 'upstream_failed', 'cancelled', 'expired']);

/** Statuses that are final until an admin acts. */
export const FINAL: ReadonlySet<JobStatus> = new Set(['done', 'failed', 'upstream_failed', 'cancelled']);
