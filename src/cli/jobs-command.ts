// `taskgate jobs list|show|retry|cancel|log`: the store's jobs listed, shown, retried or cancelled, and a job's log.
import { printable } from '../errors/printable.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobStatus } from '../jobs/job-types.js';
import { withStore } from '../store/with-store.js';
import { mintQueuedTokens } from '../exchange/mint-queued-tokens.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { describeReason } from './affected-command.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { localReader, printJobLog, remoteReader } from './jobs-log.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';
import { paint, type Colour } from './terminal.js';

const STATUS_TONE: Partial<Record<string, Colour>> = {
  done: 'green',
  running: 'yellow',
  failed: 'red',
  upstream_failed: 'red',
  expired: 'red',
};

export const JOBS_USAGE =
  'taskgate jobs list|show|retry|cancel [ID] [-R REPO] [--status S] [--rev NODE] [--json] | taskgate jobs log ID [--attempt N] [--follow] [--json] [-R REPO | --server URL]';

function publicJob(job: StoredJob, withToken: boolean): Record<string, unknown> {
  const { token, ...rest } = job;
  return withToken ? { ...rest, token } : rest;
}

const JOBS_OPTIONS = {
  ...REPO_OPTIONS,
  status: { type: 'string' },
  rev: { type: 'string' },
  limit: { type: 'string' },
  attempt: { type: 'string' },
  follow: { type: 'boolean', short: 'f' },
  server: { type: 'string' },
} as const;
type JobsValues = ReturnType<typeof parseCliArgs<typeof JOBS_OPTIONS>>['values'];

/** `taskgate jobs list|show|retry|cancel|log`. `show --json` includes the current token, for admins on the server. */
export async function jobsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('jobs', args, JOBS_OPTIONS, JOBS_USAGE);
  const sub = positionals[0] ?? 'list';
  if (sub !== 'list' && sub !== 'show' && sub !== 'retry' && sub !== 'cancel' && sub !== 'log')
    throw new TaskgateError('ERR_USAGE', `taskgate jobs: unknown subcommand ${sub}`, `usage: ${JOBS_USAGE}`);
  const id = positionals[1];
  if (sub !== 'list' && !id) throw new TaskgateError('ERR_USAGE', `taskgate jobs ${sub}: give a job id`, `usage: ${JOBS_USAGE}`);
  if (sub === 'log') return jobLog(id ?? '', values, io);
  const { config } = repoConfig(values, io);
  return withStore(config, async (store) => {
    if (sub === 'list' || !id) return listJobs(store, config, values, io);
    if (sub === 'show') return showJob(await findJob(store, id), values, io);
    return retryOrCancel(store, config, sub, await findJob(store, id), values, io);
  });
}

/** `jobs log`: through `taskgate serve` with --server, else from the store and the log files of this host. */
async function jobLog(id: string, values: JobsValues, io: CliIo): Promise<number> {
  const attempt = values.attempt === undefined ? undefined : Number(values.attempt);
  if (attempt !== undefined && (!Number.isInteger(attempt) || attempt < 1))
    throw new TaskgateError(
      'ERR_USAGE',
      `taskgate jobs log: --attempt ${values.attempt} is not an attempt number`,
      'attempts count from 1',
    );
  const options = { ...(attempt ? { attempt } : {}), follow: values.follow ?? false, json: values.json ?? false };
  if (values.server) {
    await printJobLog(remoteReader(values.server, id), id, options, io);
    return EXIT.ok;
  }
  const { config } = repoConfig(values, io);
  return withStore(config, async (store) => {
    const job = await findJob(store, id);
    await printJobLog(localReader(store, config.worker.logs, job), job.id, options, io);
    return EXIT.ok;
  });
}

/** A job by its id or a prefix of it. */
async function findJob(store: JobStore, id: string): Promise<StoredJob> {
  const job = (await store.getJob(id)) ?? (await store.listJobs({ idPrefix: id, limit: 1 }))[0] ?? null;
  if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${id}`, 'list the jobs with `taskgate jobs list`');
  return job;
}

async function listJobs(store: JobStore, config: TaskgateConfig, values: JobsValues, io: CliIo): Promise<number> {
  const jobs = await store.listJobs({
    ...(config.repo.id ? { repo: config.repo.id } : {}),
    ...(values.status ? { status: values.status as JobStatus } : {}),
    ...(values.rev ? { rev: values.rev } : {}),
    limit: Number(values.limit ?? 1000),
  });
  if (values.json) io.out(`${JSON.stringify(jobs.map((j) => publicJob(j, false)))}\n`);
  else
    for (const j of jobs)
      io.out(
        `${j.id}  ${paint(io)(STATUS_TONE[j.status] ?? 'dim', j.status.padEnd(9))}  ${j.rev.slice(0, 12)}  ${printable(j.branch)}  ${j.task}\n`,
      );
  return EXIT.ok;
}

function showJob(job: StoredJob, values: JobsValues, io: CliIo): number {
  if (values.json) {
    io.out(`${JSON.stringify(publicJob(job, true))}\n`);
    return EXIT.ok;
  }
  io.out(`job ${job.id}: ${job.task} at ${job.rev} (${printable(job.branch)}), ${job.status}\n`);
  io.out(`  push ${job.push.id} by ${job.actor.sub === null ? '(unknown)' : printable(job.actor.sub)} via ${job.actor.via}\n`);
  io.out(`  requires ${job.requires.length ? job.requires.join(', ') : 'nothing'}\n`);
  for (const r of job.reasons) io.out(`  because ${describeReason(r)}\n`);
  if (job.reason) io.out(`  reason: ${printable(job.reason)}\n`);
  io.out(`  current token ${job.tokenJti ?? '(none)'}\n`);
  return EXIT.ok;
}

async function retryOrCancel(
  store: JobStore,
  config: TaskgateConfig,
  sub: 'retry' | 'cancel',
  job: StoredJob,
  values: JobsValues,
  io: CliIo,
): Promise<number> {
  const at = Math.floor(io.now().getTime() / 1000);
  const changed = sub === 'retry' ? await store.retryJob(job.id, at) : await store.cancelJob(job.id, at);
  const done = sub === 'retry' ? 'retried' : 'cancelled';
  if (changed.length === 0) {
    throw new TaskgateError(
      'ERR_USAGE',
      `job ${job.id} is ${job.status}: it cannot be ${done}`,
      sub === 'retry' ? 'retry a failed, upstream_failed, cancelled or expired job' : 'only a job that has not ended can be cancelled',
    );
  }
  // retried jobs that are ready get fresh queued tokens now
  const minted = sub === 'retry' ? await mintQueuedTokens(store, config, io.now) : [];
  if (values.json) io.out(`${JSON.stringify({ [done]: changed, minted: minted.map((m) => m.job) })}\n`);
  else io.out(`${done} ${changed.length} job${changed.length === 1 ? '' : 's'}: ${changed.join(', ')}\n`);
  return EXIT.ok;
}
