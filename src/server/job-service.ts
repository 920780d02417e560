import type { AuditEvent } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { specDigest } from '../jobs/job-spec.js';
import type { JobRecord } from '../jobs/job-types.js';
import type { Transition } from '../jobs/state-machine.js';
import type { ExchangeResult, JobStore, StoredJob } from '../store/store-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import { jobAuditTrail } from '../trigger/audit-trail.js';
import { mintQueuedTokens } from '../trigger/mint-queued-tokens.js';
import { TokenMinter } from '../worker/token-minter.js';

export interface Claimed {
  job: JobRecord;
  /** The running token: presented for heartbeat, complete or fail. */
  token: string;
  /** TASKGATE_TOKEN for the task's process: no exchange accepts it. */
  taskToken: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
}

export interface Outcome {
  exitCode?: number | null;
  log?: string | null;
  reason?: string | null;
}

/**
 * The token exchange on behalf of workers (DESIGN §8), shared by the in-process worker and
 * `taskgate serve`: it holds the signing key, checks every presented token, and records each
 * exchange in the store.
 */
export class JobService {
  readonly leaseSeconds: number;
  readonly heartbeatSeconds: number;
  private readonly runningLife: number;
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
    // the running token lives at least three heartbeat intervals
    this.runningLife = Math.max(durationSeconds(config.tokens.ttl.running, 'tokens.ttl.running'), 3 * this.heartbeatSeconds);
  }

  static async create(config: TaskgateConfig, store: JobStore, now: () => Date = () => new Date()): Promise<JobService> {
    return new JobService(config, store, await TokenMinter.load(config), now);
  }

  private secs(): number {
    return Math.floor(this.now().getTime() / 1000);
  }

  private audit(event: AuditEvent, data: Record<string, unknown>) {
    return jobAuditTrail(this.config, this.store).append(event, data, this.now);
  }

  /** Queued tokens that ran out expire their jobs; leases that ran out put their jobs back; ready jobs without a token get one. */
  async housekeeping(): Promise<void> {
    await this.store.expireQueuedTokens(this.secs(), this.repos);
    await this.store.expireLeases(this.secs(), this.repos);
    await mintQueuedTokens(this.store, this.config, this.now);
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

  private async refused(
    result: Extract<ExchangeResult, { ok: false }>,
    job: string,
    jti: string,
    worker: string,
    transition: Transition,
  ): Promise<never> {
    if (result.reason === 'replay') await this.audit('token.replay', { job, jti, worker, transition });
    throw new TaskgateError(
      'ERR_TOKEN_INVALID',
      `${transition} of job ${job} refused: ${result.reason}`,
      result.reason === 'replay'
        ? 'the token was already used: the job is failed until an admin runs `taskgate jobs retry`'
        : 'claim the job again, or ask an admin',
    );
  }

  private lastHousekeeping = Number.NEGATIVE_INFINITY;

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

  private async claimJob(worker: string, job: StoredJob): Promise<Claimed | null> {
    const verified = await verifyJobToken(job.token!, this.minter.jwks, {
      issuer: this.config.tokens.issuer,
      audience: this.config.tokens.audience,
      kinds: ['queued'],
      now: this.now(),
    }).catch(() => null);
    const spec = specDigest(job.repo, job.rev, job.task, job.definition);
    if (!verified || verified.claims['spec'] !== spec || job.spec !== spec || verified.claims['job'] !== job.id) {
      // a row altered in the store, or a token that is not ours: never run it
      await this.store.cancelJob(job.id, this.secs());
      await this.audit('job.failed', {
        job: job.id,
        task: job.task,
        worker,
        reason: verified ? 'spec_mismatch' : 'queued token refused',
        status: 'cancelled',
      });
      return null;
    }
    const prev = verified.claims.jti!;
    const running = await this.minter.running(job, worker, prev, this.now(), this.runningLife);
    const r = await this.store.exchange({
      jobId: job.id,
      jti: prev,
      worker,
      transition: 'claim',
      now: this.secs(),
      issued: running,
      leaseSeconds: this.leaseSeconds,
    });
    if (!r.ok) {
      if (r.reason === 'replay') await this.audit('token.replay', { job: job.id, jti: prev, worker, transition: 'claim' });
      return null;
    }
    await this.audit('job.claimed', {
      job: job.id,
      task: job.task,
      rev: job.rev,
      worker,
      attempt: r.job.attempts,
      jti: r.issued!.jti,
      prev,
    });
    return {
      job: r.job,
      token: r.issued!.token,
      taskToken: await this.minter.task(job, worker, this.now()),
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
    const next = await this.minter.running(job, worker, jti, this.now(), this.runningLife);
    const r = await this.store.exchange({
      jobId: job.id,
      jti,
      worker,
      transition: 'heartbeat',
      now: this.secs(),
      issued: next,
      leaseSeconds: this.leaseSeconds,
    });
    if (!r.ok) return this.refused(r, job.id, jti, worker, 'heartbeat');
    return r.issued!.token;
  }

  /** Completion: a done receipt, and the dependents it releases get their queued tokens. */
  async complete(worker: string, token: string, outcome: Outcome = {}): Promise<{ receipt: string; released: string[] }> {
    const { job, jti } = await this.presented(worker, token);
    const receipt = await this.minter.done(job, worker, jti, this.now());
    const r = await this.store.exchange({
      jobId: job.id,
      jti,
      worker,
      transition: 'complete',
      now: this.secs(),
      issued: receipt,
      leaseSeconds: this.leaseSeconds,
      outcome: { exitCode: outcome.exitCode ?? 0, log: outcome.log ?? null },
    });
    if (!r.ok) return this.refused(r, job.id, jti, worker, 'complete');
    if (!r.retry) {
      await this.audit('job.completed', {
        job: job.id,
        task: job.task,
        worker,
        attempt: r.job.attempts,
        jti: receipt.jti,
        prev: jti,
        released: r.released,
      });
      await mintQueuedTokens(this.store, this.config, this.now);
    }
    return { receipt: r.issued!.token, released: r.released };
  }

  /** Failure: a retry with backoff while `retries` allow, else failed and the dependents upstream_failed. */
  async fail(worker: string, token: string, outcome: Outcome = {}): Promise<{ status: string; upstreamFailed: string[] }> {
    const { job, jti } = await this.presented(worker, token);
    const r = await this.store.exchange({
      jobId: job.id,
      jti,
      worker,
      transition: 'fail',
      now: this.secs(),
      issued: null,
      leaseSeconds: this.leaseSeconds,
      outcome,
    });
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
      if (r.job.status === 'ready') await mintQueuedTokens(this.store, this.config, this.now);
    }
    return { status: r.job.status, upstreamFailed: r.upstreamFailed };
  }
}
