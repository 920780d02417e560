// The token exchange (DESIGN §8): claim, heartbeat, complete and fail, for the in-process worker and `taskgate serve` alike.
import type { AuditEvent } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { specDigest } from '../jobs/job-spec.js';
import type { Transition } from '../jobs/state-machine.js';
import type { ExchangeResult, ExchangeStep, JobStore, StoredJob } from '../store/store-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import { jobAuditTrail } from './audit-trail.js';
import { startJobLog } from './job-log.js';
import type { Claimed, Completed, Failed, Outcome } from './exchange-types.js';
import { mintQueuedTokens } from './mint-queued-tokens.js';
import { TokenMinter } from './token-minter.js';

type Accepted = Extract<ExchangeResult, { ok: true }>;
type Refused = Extract<ExchangeResult, { ok: false }>;

/**
 * The exchange on behalf of workers: it holds the signing key, checks every presented token,
 * records each exchange in the store, and writes the job events to the audit trail.
 */
export class JobService {
  readonly leaseSeconds: number;
  readonly heartbeatSeconds: number;
  private lastHousekeeping = Number.NEGATIVE_INFINITY;
  /** The repositories whose jobs this service hands out, expires and cancels: never another's in a shared store (DESIGN §14). */
  readonly repos: readonly string[] | undefined;

  private constructor(
    readonly config: TaskgateConfig,
    readonly store: JobStore,
    readonly minter: TokenMinter,
    private readonly now: () => Date,
  ) {
    this.leaseSeconds = durationSeconds(config.worker.lease, 'worker.lease');
    this.heartbeatSeconds = durationSeconds(config.worker.heartbeat, 'worker.heartbeat');
    this.repos = config.worker.repos ?? (config.repo.id ? [config.repo.id] : undefined);
  }

  static create(config: TaskgateConfig, store: JobStore, now: () => Date = () => new Date()): Promise<JobService> {
    // a key file that cannot be read is a rejection, as it was when the key was imported asynchronously
    return new Promise((resolve) => resolve(new JobService(config, store, TokenMinter.load(config), now)));
  }

  private secs(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private audit(event: AuditEvent, data: Record<string, unknown>) {
    // the exchange has committed: its record need not wait for the disk before the worker goes on
    return jobAuditTrail(this.config, this.store, { background: true }).append(event, data, this.now);
  }

  private mint() {
    return mintQueuedTokens(this.store, this.config, this.now, this.minter);
  }

  /** Queued tokens that ran out expire their jobs; leases that ran out put their jobs back; ready jobs without a token get one. */
  async housekeeping(): Promise<void> {
    await this.store.expireQueuedTokens(this.secs(), this.repos);
    await this.store.expireLeases(this.secs(), this.repos);
    await this.mint();
  }

  /** Whether any job still waits or runs. */
  async open(): Promise<boolean> {
    for (const repo of this.repos ?? [undefined]) {
      for (const status of ['pending', 'ready', 'running'] as const) {
        if ((await this.store.listJobs({ ...(repo ? { repo } : {}), status, limit: 1 })).length > 0) return true;
      }
    }
    return false;
  }

  /** One exchange in the store: the presented jti for the issued token (none for a failure). */
  private exchange(job: StoredJob, jti: string, worker: string, step: ExchangeStep): Promise<ExchangeResult> {
    return this.store.exchange({ jobId: job.id, jti, worker, now: this.secs(), leaseSeconds: this.leaseSeconds, ...step });
  }

  /** A refused exchange: a replay is recorded; the worker gets the reason. */
  private async refused(result: Refused, job: string, jti: string, worker: string, transition: Transition): Promise<never> {
    if (result.reason === 'replay') await this.audit('token.replay', { job, jti, worker, transition });
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `${transition} of job ${job} refused: ${result.reason}`,
      result.reason === 'replay'
        ? 'the token was already used: the job is failed until an admin runs `taskgate jobs retry`'
        : 'claim the job again, or ask an admin',
    );
  }

  /** Claims the oldest ready job for `worker`: checks its queued token and spec digest, and exchanges the token for a running one. */
  async claim(worker: string): Promise<Claimed | null> {
    // expiry and minting at most once a second: on a busy service every claim would repeat them
    const at = this.now().getTime();
    if (at - this.lastHousekeeping >= 1000 || at < this.lastHousekeeping) {
      this.lastHousekeeping = at;
      await this.housekeeping();
    }
    for (;;) {
      const job = await this.store.reserveNext(worker, this.secs(), 30, this.repos);
      if (!job) return null;
      const claimed = await this.claimJob(worker, job);
      if (claimed) return claimed;
    }
  }

  /** The queued token of a reserved job, if it is ours and matches the job's row; else the job is cancelled, never run. */
  private async queuedJti(worker: string, job: StoredJob): Promise<string | null> {
    const verified = await verifyJobToken(job.token ?? '', this.minter.jwks, {
      issuer: this.config.tokens.issuer,
      audience: this.config.tokens.audience,
      kinds: ['queued'],
      now: this.now(),
    }).catch(() => null);
    const spec = specDigest(job.repo, job.rev, job.task, job.definition);
    if (verified && verified.claims['spec'] === spec && job.spec === spec && verified.claims['job'] === job.id) return verified.claims.jti!;
    // a row altered in the store, or a token that is not ours
    await this.store.cancelJob(job.id, this.secs());
    const reason = verified ? 'spec_mismatch' : 'queued token refused';
    await this.audit('job.failed', { job: job.id, task: job.task, worker, reason, status: 'cancelled' });
    return null;
  }

  private async claimJob(worker: string, job: StoredJob): Promise<Claimed | null> {
    const prev = await this.queuedJti(worker, job);
    if (!prev) return null;
    const running = this.minter.running(job, worker, prev, this.now());
    const r = await this.exchange(job, prev, worker, { transition: 'claim', issued: running });
    if (!r.ok) {
      if (r.reason === 'replay') await this.audit('token.replay', { job: job.id, jti: prev, worker, transition: 'claim' });
      return null;
    }
    // the attempt's log on this host starts empty: a retried job numbers its attempts from 1 again
    startJobLog(this.config.worker.logs, job.id, r.job.attempts);
    await this.audit('job.claimed', { job: job.id, task: job.task, rev: job.rev, worker, attempt: r.job.attempts, jti: running.jti, prev });
    return {
      job: r.job,
      token: issuedToken(r),
      taskToken: this.minter.task(job, worker, this.now()),
      leaseSeconds: this.leaseSeconds,
      heartbeatSeconds: this.heartbeatSeconds,
    };
  }

  /** Checks a presented running token: ours, running kind, and held by this worker (act.sub). */
  private async presented(worker: string, token: string): Promise<{ job: StoredJob; jti: string }> {
    const v = await verifyJobToken(token, this.minter.jwks, {
      issuer: this.config.tokens.issuer,
      audience: this.config.tokens.audience,
      kinds: ['running'],
      now: this.now(),
    });
    const act = v.claims['act'] as { sub?: string } | undefined;
    if (act?.sub !== worker)
      throw new TaskgateError(
        'ERR_TOKEN_INVALID',
        `the running token belongs to ${String(act?.sub)}, not ${worker}`,
        'only the worker that claimed a job may present its token',
      );
    const job = await this.store.getJob(String(v.claims['job']));
    if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${String(v.claims['job'])}`, 'claim another job');
    return { job, jti: v.claims.jti! };
  }

  /** Renews the lease: the running token is exchanged for a new one. */
  async heartbeat(worker: string, token: string): Promise<string> {
    const { job, jti } = await this.presented(worker, token);
    const r = await this.exchange(job, jti, worker, {
      transition: 'heartbeat',
      issued: this.minter.running(job, worker, jti, this.now()),
    });
    if (!r.ok) return this.refused(r, job.id, jti, worker, 'heartbeat');
    return issuedToken(r);
  }

  /** Completion: a done receipt, and the dependents it releases get their queued tokens. */
  async complete(worker: string, token: string, outcome: Outcome = {}): Promise<Completed> {
    const { job, jti } = await this.presented(worker, token);
    const receipt = this.minter.done(job, worker, jti, this.now());
    const r = await this.exchange(job, jti, worker, {
      transition: 'complete',
      issued: receipt,
      // a log is named by job and attempt on the store's host: a path a worker sends is not kept
      outcome: { exitCode: outcome.exitCode ?? 0, log: null },
    });
    if (!r.ok) return this.refused(r, job.id, jti, worker, 'complete');
    if (!r.retry) {
      const attempt = r.job.attempts;
      await this.audit('job.completed', {
        job: job.id,
        task: job.task,
        worker,
        attempt,
        jti: receipt.jti,
        prev: jti,
        released: r.released,
      });
      // only the dependents it released can have become ready; housekeeping mints for any other
      if (r.released.length > 0) await this.mint();
    }
    return { receipt: issuedToken(r), released: r.released };
  }

  /** Failure: a retry with backoff while `retries` allow, else failed and the dependents upstream_failed. */
  async fail(worker: string, token: string, outcome: Outcome = {}): Promise<Failed> {
    const { job, jti } = await this.presented(worker, token);
    const r = await this.exchange(job, jti, worker, { transition: 'fail', issued: null, outcome: { ...outcome, log: null } });
    if (!r.ok) return this.refused(r, job.id, jti, worker, 'fail');
    if (!r.retry) {
      await this.audit('job.failed', {
        job: job.id,
        task: job.task,
        worker,
        attempt: r.job.attempts,
        reason: outcome.reason ?? 'task failed',
        status: r.job.status,
        upstreamFailed: r.upstreamFailed,
      });
      if (r.job.status === 'ready') await this.mint();
    }
    return { status: r.job.status, upstreamFailed: r.upstreamFailed };
  }
}

/** The token an accepted claim, heartbeat or completion handed out (the store records the one it was given). */
function issuedToken(result: Accepted): string {
  if (!result.issued)
    throw new TaskgateError('ERR_INTERNAL', `the store accepted an exchange of job ${result.job.id} without its token`, 'report this');
  return result.issued.token;
}
