// Mints the queued tokens of ready jobs: the step that follows every enqueue and every completion.
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobStore } from '../store/store-types.js';
import { TokenMinter } from './token-minter.js';

export interface Minted {
  job: string;
  task: string;
  jti: string;
}

/**
 * Mints the queued token of every ready job that has none (DESIGN §8: a pending job gets
 * its token only when it becomes ready). Safe to repeat: the store takes a token only once.
 * The key is read only when a job needs a token.
 */
export async function mintQueuedTokens(
  store: JobStore,
  config: TaskgateConfig,
  now: () => Date = () => new Date(),
  minter?: TokenMinter,
): Promise<Minted[]> {
  const jobs = await store.jobsNeedingToken(config.repo.id);
  if (jobs.length === 0) return [];
  const signer = minter ?? TokenMinter.load(config);
  const at = now();
  const signed = await Promise.all(
    jobs.map(async (job) => ({ job, signed: signer.queued(job, await store.doneReceipts(job.requires), at) })),
  );
  const took = new Set(await store.setQueuedTokens(signed.map(({ job, signed: s }) => ({ jobId: job.id, ...s }))));
  return signed.filter(({ job }) => took.has(job.id)).map(({ job, signed: s }) => ({ job: job.id, task: job.task, jti: s.jti }));
}
