import type { JobActor, JobRecord, JobStatus } from '../jobs/job-types.js';

/** A processed push: what the trigger (or reconcile) enqueued, keyed by its head nodes, never revision numbers. */
export interface PushRecord {
  id: string;
  repo: string;
  node: string;
  nodeLast: string;
  heads: string[];
  actor: JobActor;
  /** `hook` for the changegroup hook, `outbox` when drained later, `reconcile` for a push no hook saw. */
  source: 'hook' | 'outbox' | 'reconcile';
  createdAt: string;
}

export interface EnqueueBatch {
  push: PushRecord;
  jobs: JobRecord[];
}

export interface EnqueueResult {
  created: string[];
  existing: string[];
}

export interface StoredJob extends JobRecord {
  /** The job's current token, if it has one (admins on the server only). */
  token: string | null;
  tokenExp: number | null;
}

export interface JobFilter {
  repo?: string;
  status?: JobStatus;
  rev?: string;
  pushId?: string;
  limit?: number;
}

/** One interface, two engines (DESIGN §9). */
export interface JobStore {
  readonly backend: 'sqlite' | 'postgres';
  /** One transaction per push; jobs that already exist (same deterministic id) are left as they are. */
  enqueue(batch: EnqueueBatch): EnqueueResult;
  /** Ready jobs that have no queued token yet (minted after enqueue, or repaired by reconcile). */
  jobsNeedingToken(repo?: string): StoredJob[];
  /** Records queued tokens in one transaction, each only if its job is still ready and has none; returns the job ids that took one. */
  setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): string[];
  getJob(id: string): StoredJob | null;
  listJobs(filter?: JobFilter): StoredJob[];
  /** Every head node already processed for a repository: the high-water mark. */
  processedHeads(repo: string): string[];
  getPush(id: string): PushRecord | null;
  close(): void;
}
