// The job page: status, attempts, the log's tail, lineage (glob, file, changeset, push, pusher), the token chain (never a token), upstream and downstream.
import type { StoredJob } from '../store/store-types.js';
import { logFile, readLogTail } from '../exchange/job-log.js';
import { describeReason } from '../manifest/describe-reason.js';
import { notFound } from './page-query.js';
import { chip, short, type JobChip, type UiContext } from './ui-context.js';

/** The end of a log that the job page shows. */
export const TAIL_BYTES = 64 * 1024;

export interface JobView {
  id: string;
  task: string;
  description: string | null;
  status: string;
  reason: string | null;
  branch: string;
  rev: string;
  short: string;
  attemptsCount: number;
  attempts: Array<{ attempt: number; worker: string; start: string; end: string | null; outcome: string | null; exitCode: number | null }>;
  log: { attempt: number; text: string; cut: boolean; size: number } | null;
  lineage: Array<{
    glob: string | null;
    file: string | null;
    text: string;
    changesets: Array<{ short: string; firstLine: string; author: string }>;
  }>;
  push: { id: string; at: string | null; pusher: string; channel: string; groups: string[]; verdict: string };
  tokens: Array<{
    kind: string;
    jti: string;
    state: string;
    prev: string | null;
    worker: string | null;
    issued: string;
    consumed: string | null;
  }>;
  upstream: JobChip[];
  downstream: JobChip[];
  live: boolean;
}

const iso = (secs: number | null) => (secs === null ? null : new Date(secs * 1000).toISOString());

async function lineageOf(ctx: UiContext, job: StoredJob): Promise<JobView['lineage']> {
  const cs = (await ctx.changesets.of([{ id: job.push.id, node: job.push.node, nodeLast: job.push.nodeLast }])).get(job.push.id) ?? [];
  return job.reasons.map((r) => ({
    glob: r.kind === 'file' ? r.glob : null,
    file: r.kind === 'file' ? r.file : null,
    text: describeReason(r),
    changesets: (r.kind === 'file' ? cs.filter((c) => c.files.includes(r.file)) : []).map((c) => ({
      short: short(c.node),
      firstLine: c.firstLine,
      author: c.author,
    })),
  }));
}

export async function jobPage(ctx: UiContext, id: string): Promise<JobView> {
  const job = await ctx.store.getJob(id);
  if (!job) throw notFound(`job ${id}`);
  ctx.gate.refresh();
  const [attempts, tokens, head, lineage] = await Promise.all([
    ctx.store.attemptsOf(id),
    ctx.store.tokensOf(id),
    ctx.store.jobsOfHead(job.repo, job.rev),
    lineageOf(ctx, job),
  ]);
  const last = attempts.at(-1);
  const tail = last ? readLogTail(logFile(ctx.config.worker.logs, id, last.attempt), TAIL_BYTES) : null;
  const log = tail ? { text: tail.data.toString('utf8'), size: tail.size, cut: tail.cut } : null;
  const g = ctx.gate.get(job.push.id);
  const push = await ctx.store.getPush(job.push.id);
  return {
    id,
    task: job.task,
    description: job.definition.description ?? null,
    status: job.status,
    reason: job.reason,
    branch: job.branch,
    rev: job.rev,
    short: short(job.rev),
    attemptsCount: job.attempts,
    attempts: attempts.map((a) => ({
      attempt: a.attempt,
      worker: a.worker,
      start: iso(a.startedAt)!,
      end: iso(a.endedAt),
      outcome: a.outcome,
      exitCode: a.exitCode,
    })),
    log: last && log ? { attempt: last.attempt, ...log } : null,
    lineage,
    push: {
      id: job.push.id,
      at: g?.at ?? push?.createdAt ?? null,
      pusher: job.actor.sub ?? 'unknown',
      channel: job.actor.via,
      groups: job.actor.groups,
      verdict: g?.verdict ?? 'landed',
    },
    tokens: tokens.map((t) => ({
      kind: t.kind,
      jti: t.jti,
      state: t.state,
      prev: t.prev,
      worker: t.worker,
      issued: t.createdAt,
      consumed: iso(t.consumedAt),
    })),
    upstream: head.filter((j) => job.requires.includes(j.id)).map(chip),
    downstream: head.filter((j) => j.requires.includes(id)).map(chip),
    live: job.status === 'running' || job.status === 'ready' || job.status === 'pending',
  };
}
