import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import { archiveRevision } from '../hg/archive.js';
import { specDigest } from '../jobs/job-spec.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';
import { mintQueuedTokens } from '../trigger/mint-queued-tokens.js';
import { runTask } from './run-task.js';
import { TokenMinter } from './token-minter.js';

export interface WorkerOptions {
  root: string;
  config: TaskgateConfig;
  store: JobStore;
  name?: string;
  concurrency?: number;
  /** Stop when no job is ready or running, instead of waiting for more. */
  once?: boolean;
  log?: (line: string) => void;
  now?: () => Date;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * `taskgate worker` with the SQLite store, in process on the hg server: claims ready jobs in
 * dependency order, checks each queued token and spec digest against the job row, exchanges
 * tokens at every state boundary, runs the task in a fresh archive of its revision, and
 * heartbeats, completes or fails it.
 */
export async function runWorker(options: WorkerOptions): Promise<{ ran: number }> {
  const { config, store, root } = options;
  const now = options.now ?? (() => new Date());
  const log = options.log ?? (() => {});
  const name = options.name ?? `${hostname()}:${process.pid}`;
  const lease = durationSeconds(config.worker.lease, 'worker.lease');
  const beat = durationSeconds(config.worker.heartbeat, 'worker.heartbeat');
  // the running token lives at least three heartbeat intervals
  const runningLife = Math.max(durationSeconds(config.tokens.ttl.running, 'tokens.ttl.running'), 3 * beat);
  const minter = await TokenMinter.load(config);
  let ran = 0;
  const secs = () => Math.floor(now().getTime() / 1000);
  const audit = (event: Parameters<typeof appendAudit>[1], data: Record<string, unknown>) => appendAudit(config.audit.path, event, data, now);

  if (!config.worker.runAs || userInfo().username !== config.worker.runAs) {
    log(`taskgate worker: WARNING: tasks run as ${userInfo().username}, not as an unprivileged worker.runAs account: pushed code can read this repository's .hg/ and the signing key`);
  }

  async function runJob(job: StoredJob, name: string): Promise<void> {
    // the queued token must be ours and match the row, and the row must match its spec
    const verified = await verifyJobToken(job.token!, minter.jwks, { issuer: config.tokens.issuer, audience: config.tokens.audience, kinds: ['queued'], now: now() })
      .catch((e: Error) => (log(`taskgate worker: job ${job.id}: queued token refused: ${e.message}`), null));
    if (!verified) return;
    const spec = specDigest(job.repo, job.rev, job.task, job.definition);
    if (verified.claims['spec'] !== spec || job.spec !== spec || verified.claims['job'] !== job.id) {
      log(`taskgate worker: job ${job.id}: the job row does not match its token's spec digest; refusing to run it`);
      return;
    }
    let current = verified.claims.jti!;
    const running = await minter.running(job, name, current, now(), runningLife);
    const claimed = store.exchange({ jobId: job.id, jti: current, worker: name, transition: 'claim', now: secs(), issued: running, leaseSeconds: lease });
    if (!claimed.ok) {
      if (claimed.reason !== 'wrong_state') log(`taskgate worker: job ${job.id}: claim refused (${claimed.reason})`);
      if (claimed.reason === 'replay') await audit('token.replay', { job: job.id, jti: current, worker: name, transition: 'claim' });
      return;
    }
    current = running.jti;
    const attempt = claimed.job.attempts;
    await audit('job.claimed', { job: job.id, task: job.task, rev: job.rev, worker: name, attempt, jti: running.jti, prev: verified.claims.jti });
    log(`taskgate worker: ${name} runs ${job.task} (${job.id}) at ${job.rev.slice(0, 12)}, attempt ${attempt}`);

    const dir = mkdtempSync(join(config.worker.workdir ?? tmpdir(), `taskgate-${job.id.slice(0, 8)}-`));
    const logPath = join(config.worker.logs, job.id, `${attempt}.log`);
    let lost = false;
    const heartbeat = setInterval(() => {
      void (async () => {
        const next = await minter.running(job, name, current, now(), runningLife);
        const r = store.exchange({ jobId: job.id, jti: current, worker: name, transition: 'heartbeat', now: secs(), issued: next, leaseSeconds: lease });
        if (r.ok) current = next.jti;
        else lost = true;
      })().catch(() => {
        lost = true;
      });
    }, beat * 1000);
    try {
      const archive = join(dir, 'src');
      await archiveRevision(root, job.rev, archive);
      const timeout = durationSeconds(job.definition.timeout ?? '1h', `task ${job.task} timeout`);
      const result = await runTask({
        command: job.definition.run, cwd: archive, timeoutSeconds: timeout, logPath,
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', ...(job.definition.env ?? {}),
          TASKGATE_TOKEN: await minter.task(job, name, now()), TASKGATE_JOB: job.id, TASKGATE_REV: job.rev,
        },
      });
      clearInterval(heartbeat);
      if (lost) {
        log(`taskgate worker: ${job.task} (${job.id}): the lease was lost; the result is dropped`);
        return;
      }
      if (result.exitCode === 0) {
        const receipt = await minter.done(job, name, current, now());
        const done = store.exchange({ jobId: job.id, jti: current, worker: name, transition: 'complete', now: secs(), issued: receipt, leaseSeconds: lease, outcome: { exitCode: 0, log: logPath } });
        if (done.ok) {
          ran += 1;
          await audit('job.completed', { job: job.id, task: job.task, worker: name, attempt, jti: receipt.jti, prev: current, released: done.released });
          const minted = await mintQueuedTokens(store, config, now);
          for (const m of minted) log(`taskgate worker: ${m.task} (${m.job}) is ready`);
        } else {
          log(`taskgate worker: ${job.task} (${job.id}): completion refused (${done.reason})`);
          if (done.reason === 'replay') await audit('token.replay', { job: job.id, jti: current, worker: name, transition: 'complete' });
        }
      } else {
        const reason = result.timedOut ? `timed out after ${timeout} s` : result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
        const failed = store.exchange({ jobId: job.id, jti: current, worker: name, transition: 'fail', now: secs(), issued: null, leaseSeconds: lease,
          outcome: { exitCode: result.exitCode, log: logPath, reason } });
        if (!failed.ok) log(`taskgate worker: ${job.task} (${job.id}): failure report refused (${failed.reason})`);
        if (failed.ok) {
          ran += 1;
          await audit('job.failed', { job: job.id, task: job.task, worker: name, attempt, reason, status: failed.job.status, upstreamFailed: failed.upstreamFailed });
          log(`taskgate worker: ${job.task} (${job.id}) failed: ${reason}; now ${failed.job.status}`);
          if (failed.job.status === 'ready') await mintQueuedTokens(store, config, now);
        }
      }
    } finally {
      clearInterval(heartbeat);
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function slot(slotId: number): Promise<void> {
    // each slot is a worker of its own: it reserves, claims and holds tokens under its own name
    const worker = (options.concurrency ?? 1) > 1 ? `${name}/${slotId + 1}` : name;
    while (!options.signal?.aborted) {
      if (store.expireLeases(secs()).length > 0) await mintQueuedTokens(store, config, now);
      const job = store.reserveNext(worker, secs(), 30);
      if (!job) {
        if (options.once && !openJobs()) return;
        await sleep(200);
        continue;
      }
      await runJob(job, worker);
    }
  }

  /** Whether any job of the repository still waits or runs (`--once` stops when none does). */
  function openJobs(): boolean {
    const repo = config.repo.id ? { repo: config.repo.id } : {};
    return (['pending', 'ready', 'running'] as const).some((status) => store.listJobs({ ...repo, status, limit: 1 }).length > 0);
  }

  await mintQueuedTokens(store, config, now);
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, (_, i) => slot(i)));
  return { ran };
}
