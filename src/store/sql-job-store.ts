// The JobStore interface implemented once over a SQL driver for both engines, each engine error named.
import type { AuditStorage } from '../audit/audit-chain.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { SqlDriver } from './sql-driver.js';
import { waitUntil } from './wait.js';
import { SqlJobs } from './sql-store.js';
import { SqlReads } from './sql-reads.js';
import type {
  AttemptRow,
  EnqueueBatch,
  EnqueueResult,
  ExchangeRequest,
  ExchangeResult,
  JobChange,
  JobChipRow,
  JobFilter,
  JobStore,
  PushFilter,
  PushPageFilter,
  PushRecord,
  SchemaVersions,
  StoredJob,
  TaskHistoryFilter,
  TokenRow,
  WorkerSeen,
} from './store-types.js';

export interface SqlJobStoreParts {
  backend: JobStore['backend'];
  /** What describe() answers. */
  description: string;
  /** The migration done as the store opened. */
  migrated: SchemaVersions;
  driver: SqlDriver;
  /** Turns an engine's error into a TaskgateError that names the store and says what to do. */
  describeError: (error: unknown) => TaskgateError;
  auditStorage: AuditStorage | null;
  waitForWork?: (ms: number, signal?: AbortSignal) => Promise<void>;
  waitForChange?: (ms: number, signal?: AbortSignal) => Promise<void>;
  onClose?: () => Promise<void>;
}

/** Both engines: one implementation of the interface over a driver, every engine error named. */
export class SqlJobStore implements JobStore {
  readonly backend: JobStore['backend'];
  readonly auditStorage: AuditStorage | null;
  private readonly jobs: SqlJobs;
  private readonly reads: SqlReads;

  constructor(private readonly parts: SqlJobStoreParts) {
    this.backend = parts.backend;
    this.auditStorage = parts.auditStorage;
    this.jobs = new SqlJobs(parts.driver);
    this.reads = new SqlReads(parts.driver);
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof TaskgateError) throw error;
      throw this.parts.describeError(error);
    }
  }

  enqueue(batch: EnqueueBatch): Promise<EnqueueResult> {
    return this.guard(() => this.jobs.enqueue(batch));
  }
  jobsNeedingToken(repo?: string): Promise<StoredJob[]> {
    return this.guard(() => this.jobs.jobsNeedingToken(repo));
  }
  setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): Promise<string[]> {
    return this.guard(() => this.jobs.setQueuedTokens(tokens));
  }
  getJob(id: string): Promise<StoredJob | null> {
    return this.guard(() => this.jobs.getJob(id));
  }
  listJobs(filter?: JobFilter): Promise<StoredJob[]> {
    return this.guard(() => this.jobs.listJobs(filter));
  }
  processedHeads(repo: string, among?: string[]): Promise<string[]> {
    return this.guard(() => this.jobs.processedHeads(repo, among));
  }
  getPush(id: string): Promise<PushRecord | null> {
    return this.guard(() => this.jobs.getPush(id));
  }
  listPushes(filter?: PushFilter): Promise<PushRecord[]> {
    return this.guard(() => this.jobs.listPushes(filter));
  }
  exchange(request: ExchangeRequest): Promise<ExchangeResult> {
    return this.guard(() => this.jobs.exchange(request));
  }
  expireLeases(now: number, repos?: readonly string[]): Promise<string[]> {
    return this.guard(() => this.jobs.expireLeases(now, repos));
  }
  expireQueuedTokens(now: number, repos?: readonly string[]): Promise<string[]> {
    return this.guard(() => this.jobs.expireQueuedTokens(now, repos));
  }
  nextReady(now: number, limit: number): Promise<StoredJob[]> {
    return this.guard(() => this.jobs.nextReady(now, limit));
  }
  reserveNext(worker: string, now: number, seconds: number, repos?: readonly string[]): Promise<StoredJob | null> {
    return this.guard(() => this.jobs.reserveNext(worker, now, seconds, repos));
  }
  doneReceipts(jobIds: string[]): Promise<Array<{ job: string; jti: string }>> {
    return this.guard(() => this.jobs.doneReceipts(jobIds));
  }
  retryJob(id: string, now: number): Promise<string[]> {
    return this.guard(() => this.jobs.retryJob(id, now));
  }
  cancelJob(id: string, now: number): Promise<string[]> {
    return this.guard(() => this.jobs.cancelJob(id, now));
  }
  tokensOf(jobId: string): Promise<TokenRow[]> {
    return this.guard(() => this.jobs.tokensOf(jobId));
  }
  attemptsOf(jobId: string): Promise<AttemptRow[]> {
    return this.guard(() => this.jobs.attemptsOf(jobId));
  }
  useAssertion(jti: string, exp: number, now: number): Promise<boolean> {
    return this.guard(() => this.jobs.useAssertion(jti, exp, now));
  }
  jobsOfHead(repo: string, rev: string): Promise<StoredJob[]> {
    return this.guard(() => this.jobs.jobsOfHead(repo, rev));
  }

  describe(): string {
    return this.parts.description;
  }
  migrate(): Promise<SchemaVersions> {
    return Promise.resolve(this.parts.migrated);
  }
  pushesNewestFirst(filter: PushPageFilter): Promise<PushRecord[]> {
    return this.guard(() => this.reads.pushesNewestFirst(filter));
  }
  pushesByIds(ids: string[]): Promise<PushRecord[]> {
    return this.guard(() => this.reads.pushesByIds(ids));
  }
  chipsOfPushes(ids: string[]): Promise<JobChipRow[]> {
    return this.guard(() => this.reads.chipsOfPushes(ids));
  }
  taskHistory(filter: TaskHistoryFilter): Promise<StoredJob[]> {
    return this.guard(() => this.reads.taskHistory(filter));
  }
  jobsChangedSince(after: { at: string; id: string }, limit: number): Promise<JobChange[]> {
    return this.guard(() => this.reads.jobsChangedSince(after, limit));
  }
  workersSeen(limit: number): Promise<WorkerSeen[]> {
    return this.guard(() => this.reads.workersSeen(limit));
  }

  /** The engine underneath, for `taskgate store copy`. */
  get driver(): SqlDriver {
    return this.parts.driver;
  }

  waitForWork(ms: number, signal?: AbortSignal): Promise<void> {
    // without notifications this is a poll: a short one, so that new work starts soon
    return this.parts.waitForWork ? this.parts.waitForWork(ms, signal) : waitUntil(Math.min(ms, 200), signal);
  }

  waitForChange(ms: number, signal?: AbortSignal): Promise<void> {
    // without notifications: a poll, one for the whole service (its caller is the one loop of the live pages)
    return this.parts.waitForChange ? this.parts.waitForChange(ms, signal) : waitUntil(ms, signal);
  }

  async close(): Promise<void> {
    await this.parts.onClose?.();
    await this.parts.driver.close();
  }
}
