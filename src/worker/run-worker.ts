// The worker loop: claims ready jobs, runs each task in a fresh archive of its revision, heartbeats, and completes or fails it by token exchange.
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Claimed } from '../exchange/exchange-types.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { openSandbox } from '../sandbox/open-sandbox.js';
import type { TaskRun } from '../sandbox/sandbox-types.js';
import type { JobBackend } from './job-backend.js';
import { startLogUpload, type LogUpload } from './log-uploader.js';
import { runTask, type TaskOutcome } from './run-task.js';
import type { ClaimVerifier } from './verify-claim.js';

export interface WorkerOptions {
  /** The central repository of an in-process worker (the sandbox checks its work folder is outside its .hg/); none for a remote one. */
  root?: string;
  config: TaskgateConfig;
  backend: JobBackend;
  name?: string;
  concurrency?: number;
  /** Stop when no job is waiting or running, instead of waiting for more. */
  once?: boolean;
  log?: (line: string) => void;
  signal?: AbortSignal;
  /** A remote worker's check of each claimed job against its pinned JWKS; a refused job runs nothing. */
  verify?: ClaimVerifier;
}

/** The worker's own check of a claim (when configured); a refused claim is failed back to the service. */
async function claimVerified(options: WorkerOptions, worker: string, claimed: Claimed, log: (line: string) => void): Promise<boolean> {
  if (!options.verify) return true;
  const refused = await options.verify(worker, claimed).then(
    () => null,
    (error: Error) => error,
  );
  if (!refused) return true;
  log(`taskgate worker: ${refused.message}`);
  // an honest service learns at once; a forged token is of no use to anyone
  await options.backend.fail(worker, claimed.token, { reason: 'claim not verified by the worker' }).catch(() => undefined);
  return false;
}

/**
 * `taskgate worker`: claims ready jobs in dependency order, runs each task in a fresh archive
 * of its exact revision with `sh -c` under its timeout, heartbeats, and completes or fails it.
 * Every state boundary is a token exchange through the backend.
 */
export async function runWorker(options: WorkerOptions): Promise<{ ran: number }> {
  const { config, backend } = options;
  const log = options.log ?? (() => {});
  const base = options.name ?? `${hostname()}:${process.pid}`;
  let ran = 0;

  // the account, bubblewrap and the work folder are checked before any job is claimed
  const sandbox = openSandbox({
    mode: config.worker.sandbox,
    ...(config.worker.runAs ? { runAs: config.worker.runAs } : {}),
    ...(config.worker.workdir ? { workdir: config.worker.workdir } : {}),
    repoRoot: options.root ?? null,
  });
  if (sandbox.warning) log(sandbox.warning);

  async function run(worker: string, claimed: Claimed): Promise<void> {
    const { job } = claimed;
    log(`taskgate worker: ${worker} runs ${job.task} (${job.id}) at ${job.rev.slice(0, 12)}, attempt ${job.attempts}`);
    const lease = keepLease(backend, worker, claimed);
    const dir = mkdtempSync(join(sandbox.workdir, `taskgate-${job.id.slice(0, 8)}-`));
    const logPath = join(config.worker.logs, job.id, `${job.attempts}.log`);
    const upload = uploadFor(backend, worker, lease, job.id, logPath, log);
    const source = sourceOf(backend, worker, lease, job);
    const paths = { dir, logPath, manifestPath: config.manifest.path };
    try {
      const onOutput = (written: number) => upload?.nudge(written);
      const result = await runTask({ ...paths, sandbox, source: source.fetch, job, taskToken: claimed.taskToken, onOutput });
      await lease.settle();
      if (lease.lost()) {
        log(`taskgate worker: ${job.task} (${job.id}): the lease was lost; the result is dropped`);
        return;
      }
      // the whole log is on the service before the job ends there (a follower stops at the end)
      await upload?.flush();
      log(`taskgate worker: ${job.task} (${job.id}) ${await report(backend, worker, lease.token(), result)}`);
      ran += 1;
    } catch (error) {
      log(`taskgate worker: ${job.task} (${job.id}): ${(error as Error).message}`);
      // nothing ran: the job is failed back at once (a retry, maybe elsewhere) rather than left to its lease
      await source.failBack();
    } finally {
      upload?.stop();
      await lease.settle();
      rmSync(dir, { recursive: true, force: true });
    }
  }

  async function slot(index: number): Promise<void> {
    // each slot is a worker of its own: it reserves, claims and holds tokens under its own name
    const worker = (options.concurrency ?? 1) > 1 ? `${base}/${index + 1}` : base;
    while (!options.signal?.aborted) {
      const claimed = await backend.claim(worker);
      if (!claimed) {
        if (options.once && !(await backend.open())) return;
        // woken by the store when work arrives (postgres), else this is a poll interval
        await backend.idle(options.once ? 200 : 10_000, options.signal);
        continue;
      }
      if (!(await claimVerified(options, worker, claimed, log))) continue;
      await run(worker, claimed);
    }
  }

  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, (_, i) => slot(i)));
  return { ran };
}

/**
 * Heartbeats while a job runs: each exchanges the running token for a new one and renews the
 * lease. One at a time, and `settle` waits for the last one: a token is never presented twice.
 */
function keepLease(backend: JobBackend, worker: string, claimed: Claimed) {
  let token = claimed.token;
  let lost = false;
  let beat: Promise<void> | null = null;
  // a request that presents the token without exchanging it (a log chunk): a heartbeat waits for it
  let borrowed: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    if (beat || lost) return;
    beat = borrowed
      .then(() => backend.heartbeat(worker, token))
      .then(
        (next) => {
          token = next;
        },
        () => {
          lost = true;
        },
      )
      .finally(() => {
        beat = null;
      });
  }, claimed.heartbeatSeconds * 1000);
  return {
    token: () => token,
    lost: () => lost,
    /** Runs `use` with the current token, never while a heartbeat is exchanging it: the token it presents is not stale. */
    async borrow<T>(use: (token: string) => Promise<T>): Promise<T> {
      while (beat) await beat;
      const run = use(token);
      borrowed = run.catch(() => undefined);
      return run;
    },
    /** No more heartbeats; resolves once the one in flight, if any, has its answer. */
    settle: async () => {
      clearInterval(timer);
      await beat;
    },
  };
}

/** A remote worker's log upload for one job, with the lease's current running token (it rotates at each heartbeat). */
function uploadFor(
  backend: JobBackend,
  worker: string,
  lease: ReturnType<typeof keepLease>,
  jobId: string,
  logPath: string,
  log: (line: string) => void,
): LogUpload | null {
  if (!backend.appendLog) return null;
  const send = backend.appendLog.bind(backend);
  return startLogUpload(logPath, (offset, data) => lease.borrow((token) => send(worker, token, jobId, offset, data)), log);
}

/** Completes or fails the job by the task's exit; says which. */
async function report(backend: JobBackend, worker: string, token: string, result: TaskOutcome): Promise<string> {
  if (result.exitCode === 0) {
    await backend.complete(worker, token, { exitCode: 0 });
    return 'done';
  }
  const reason = failureOf(result, result.timeoutSeconds);
  const r = await backend.fail(worker, token, { exitCode: result.exitCode, reason });
  return `failed: ${reason}; now ${r.status}`;
}

/** The job's source through the backend; a job whose source could not be had (a refused archive) can be failed back, nothing having run. */
function sourceOf(backend: JobBackend, worker: string, lease: ReturnType<typeof keepLease>, job: Claimed['job']) {
  const state: { failure: Error | null } = { failure: null };
  return {
    // borrowed like the log upload's: a heartbeat cannot make the token stale on the way
    fetch: (dest: string) =>
      lease
        .borrow((token) => backend.source(worker, token, job, dest))
        .catch((error: Error) => {
          state.failure = error;
          throw error;
        }),
    async failBack(): Promise<void> {
      if (!state.failure) return;
      await lease.settle();
      if (lease.lost()) return;
      const reason = `no source: ${state.failure.message}`.slice(0, 1000);
      await backend.fail(worker, lease.token(), { reason }).catch(() => undefined);
    },
  };
}

function failureOf(result: TaskRun, timeout: number): string {
  if (result.timedOut) return `timed out after ${timeout} s`;
  return result.signal ? `killed by ${result.signal}` : `exit code ${result.exitCode}`;
}
