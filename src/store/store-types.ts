// The job store's interface and its shapes: pushes, jobs, tokens, attempts, exchanges and their refusals, reader filters and pages.
import type { AuditStorage } from '../audit/audit-chain.js';
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
  source: 'hook' | 'outbox' | 'reconcile' | 'install';
  createdAt: string;
}

export interface EnqueueBatch {
  push: PushRecord;
  jobs: JobRecord[];
}

export interface EnqueueResult {
  created: string[];
  existing: string[];
  /** Older jobs a `"supersede": true` task of this batch cancelled, with their dependents, and the job that superseded each. */
  superseded: SupersededJob[];
}

export interface SupersededJob {
  job: string;
  task: string;
  rev: string;
  /** The newer job. */
  by: string;
}

export interface StoredJob extends JobRecord {
  /** The job's current token, if it has one (admins on the server only). */
  token: string | null;
  tokenExp: number | null;
  /** The worker holding a running job, and until when (unix seconds). */
  worker: string | null;
  leaseExpires: number | null;
  /** A retried job waits until then (unix seconds). */
  notBefore: number | null;
  /** Why a job ended failed, cancelled or upstream_failed (token_replay, exit code 2, ...). */
  reason: string | null;
}

/** A token the caller signed before asking the store to record an exchange. */
export interface IssuedToken {
  jti: string;
  token: string;
  exp: number;
  kind: 'running' | 'done';
}

interface ExchangeBase {
  jobId: string;
  /** The jti of the token presented. */
  jti: string;
  worker: string;
  /** Unix seconds. */
  now: number;
  leaseSeconds: number;
}

/** What the task did, for complete and fail. */
interface TaskOutcome {
  exitCode?: number | null;
  log?: string | null;
  reason?: string | null;
}

/**
 * One exchange, by transition: the token handed out if it is allowed (a running token for
 * claim and heartbeat, a done receipt for complete, none for fail).
 */
export type ExchangeStep =
  | { transition: 'claim' | 'heartbeat'; issued: IssuedToken; outcome?: undefined }
  | { transition: 'complete'; issued: IssuedToken; outcome?: TaskOutcome }
  | { transition: 'fail'; issued: null; outcome?: TaskOutcome };

export type ExchangeRequest = ExchangeBase & ExchangeStep;

export type ExchangeRefusal = 'unknown' | 'wrong_job' | 'wrong_kind' | 'wrong_worker' | 'expired' | 'dead' | 'wrong_state' | 'replay';

export type ExchangeResult =
  | { ok: true; retry: boolean; job: StoredJob; issued: IssuedToken | null; released: string[]; upstreamFailed: string[] }
  | { ok: false; reason: ExchangeRefusal; job: StoredJob | null };

export interface TokenRow {
  jti: string;
  jobId: string;
  kind: string;
  exp: number;
  state: 'live' | 'consumed' | 'dead';
  worker: string | null;
  prev: string | null;
  createdAt: string;
  consumedAt: number | null;
  transition: string | null;
}

export interface AttemptRow {
  jobId: string;
  attempt: number;
  worker: string;
  startedAt: number;
  endedAt: number | null;
  outcome: string | null;
  exitCode: number | null;
  log: string | null;
}

export interface JobFilter {
  repo?: string;
  status?: JobStatus;
  rev?: string;
  pushId?: string;
  /** Ids starting with this (a short id typed by a person). */
  idPrefix?: string;
  /** Keyset cursor: jobs after this one in the list's order (created_at, then id). */
  after?: { createdAt: string; id: string };
  limit?: number;
}

export interface PushFilter {
  repo?: string;
  /** Keyset cursor: pushes strictly older than this one (created_at, then id). */
  after?: { createdAt: string; id: string };
  limit?: number;
}

export interface SchemaVersions {
  from: number;
  to: number;
}

/** A page of pushes, newest first: before a cursor, filtered by pusher and by the branch, task and status of a job. */
export interface PushPageFilter {
  repo?: string;
  before?: { at: string; id: string };
  limit: number;
  pusher?: string;
  branch?: string;
  task?: string;
  status?: JobStatus;
}

/** A page of one task's jobs, newest first. */
export interface TaskHistoryFilter {
  task: string;
  repo?: string;
  before?: { at: string; id: string };
  limit: number;
}

export interface JobChipRow {
  id: string;
  pushId: string;
  rev: string;
  branch: string;
  task: string;
  status: JobStatus;
}

/** What a live page needs to know of a job that changed. */
export interface JobChange {
  id: string;
  status: JobStatus;
  pushId: string;
  task: string;
  attempts: number;
  updatedAt: string;
}

/** A worker as the store saw it: its newest running token is its last claim or heartbeat. */
export interface WorkerSeen {
  worker: string;
  lastHeartbeat: string;
  runningTokens: number;
}

/** The readers' queries (web UI and read APIs); every one bounded. */
export interface ReaderQueries {
  pushesNewestFirst(filter: PushPageFilter): Promise<PushRecord[]>;
  pushesByIds(ids: string[]): Promise<PushRecord[]>;
  /** What a push's row shows of each job (its chip), in creation order. */
  chipsOfPushes(ids: string[]): Promise<JobChipRow[]>;
  taskHistory(filter: TaskHistoryFilter): Promise<StoredJob[]>;
  /** Jobs whose row changed after `after` (ISO time, then id), oldest change first. */
  jobsChangedSince(after: { at: string; id: string }, limit: number): Promise<JobChange[]>;
  workersSeen(limit: number): Promise<WorkerSeen[]>;
}

/** One interface, two engines (DESIGN §9). */
export interface JobStore extends ReaderQueries {
  readonly backend: 'sqlite' | 'postgres';
  /** The engine and where it is (`sqlite /srv/hg/app/.hg/taskgate/jobs.db`, `postgres postgres://taskgate@db/jobs`), no password. */
  describe(): string;
  /** The store brings its schema up to date as it opens: the schema versions before and after. */
  migrate(): Promise<SchemaVersions>;
  /** One transaction per push; jobs that already exist (same deterministic id) are left as they are. */
  enqueue(batch: EnqueueBatch): Promise<EnqueueResult>;
  /** Ready jobs that have no queued token yet (minted after enqueue, or repaired by reconcile). */
  jobsNeedingToken(repo?: string): Promise<StoredJob[]>;
  /** Records queued tokens in one transaction, each only if its job is still ready and has none; returns the job ids that took one. */
  setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): Promise<string[]>;
  getJob(id: string): Promise<StoredJob | null>;
  listJobs(filter?: JobFilter): Promise<StoredJob[]>;
  /** Every head node already processed for a repository (the high-water mark), or those of `among` that are. */
  processedHeads(repo: string, among?: string[]): Promise<string[]>;
  getPush(id: string): Promise<PushRecord | null>;
  /** Pushes newest first, a page at a time: `after` is the last push of the previous page. */
  listPushes(filter?: PushFilter): Promise<PushRecord[]>;
  /** One token exchange (DESIGN §8), in one transaction with the dependents it releases. */
  exchange(request: ExchangeRequest): Promise<ExchangeResult>;
  /** Running jobs whose lease ran out go back to ready; their tokens die. Returns their ids. */
  expireLeases(now: number, repos?: readonly string[]): Promise<string[]>;
  /** Ready jobs whose queued token ran out become `expired` (an admin's `jobs retry` mints a new one). Returns their ids. */
  expireQueuedTokens(now: number, repos?: readonly string[]): Promise<string[]>;
  /** Ready jobs with a queued token and no backoff left, oldest first. */
  nextReady(now: number, limit: number): Promise<StoredJob[]>;
  /**
   * `repos` limits it (and the expiries) to the repositories a worker serves (DESIGN §14): never another's job.
   * Reserves the oldest such job for one worker for `seconds` (BEGIN IMMEDIATE; FOR UPDATE SKIP LOCKED), so that
   * competing workers never present the same queued token: a second presentation is a replay.
   */
  reserveNext(worker: string, now: number, seconds: number, repos?: readonly string[]): Promise<StoredJob | null>;
  /** The done receipts of these jobs: the `upstream` of the tokens they release. */
  doneReceipts(jobIds: string[]): Promise<Array<{ job: string; jti: string }>>;
  /** Admin: a failed, upstream_failed, cancelled or expired job (and its upstream_failed dependents) back to ready or pending, with fresh tokens. */
  retryJob(id: string, now: number): Promise<string[]>;
  /** Admin: cancel a job that has not ended; its dependents become upstream_failed. */
  cancelJob(id: string, now: number): Promise<string[]>;
  tokensOf(jobId: string): Promise<TokenRow[]>;
  /** Every job of one head, in creation order (the graph and the job page). */
  jobsOfHead(repo: string, rev: string): Promise<StoredJob[]>;
  /**
   * Records a client assertion's jti until its exp (unix seconds); false when it is already
   * recorded: by this service before a restart, or by another service on the same store.
   */
  useAssertion(jti: string, exp: number, now: number): Promise<boolean>;
  /** A job's attempts, oldest first. */
  attemptsOf(jobId: string): Promise<AttemptRow[]>;
  /** Resolves when work may have become ready (PostgreSQL NOTIFY), or after `ms`, or when `signal` aborts. */
  waitForWork(ms: number, signal?: AbortSignal): Promise<void>;
  /** Resolves when a job may have changed (PostgreSQL NOTIFY on its own channel), or after `ms`, or when `signal` aborts. */
  waitForChange(ms: number, signal?: AbortSignal): Promise<void>;
  /** Where the audit chain is kept in the database (postgres); null where the chain is the audit file (sqlite). */
  readonly auditStorage: AuditStorage | null;
  close(): Promise<void>;
}
