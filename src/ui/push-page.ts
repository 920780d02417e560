// The push page: the verdict, the jobs' DAG as SVG, the changed files and why each task was affected.
import type { StoredJob } from '../store/store-types.js';
import type { ChangesetSummary } from './changeset-summaries.js';
import { describeReason } from '../manifest/describe-reason.js';
import { dagSvg, jobNodes } from './dag-formats.js';
import { layoutDag } from './dag-layout.js';
import { notFound } from './page-query.js';
import { rejectionReport } from './pushes-page.js';
import { short, type UiContext } from './ui-context.js';

export interface PushView {
  id: string;
  at: string;
  pusher: string;
  channel: string;
  groups: string[];
  verdict: string;
  source: string | null;
  report: string | null;
  bypass: string[];
  heads: Array<{ node: string; short: string }>;
  changesets: Array<ChangesetSummary & { short: string }>;
  files: string[];
  svg: string | null;
  tasks: Array<{ id: string; task: string; head: string; branch: string; status: string; reasons: string[]; more: number }>;
}

/** The DAG of a set of jobs as SVG, each node a link to its job's page. */
export function jobsDag(jobs: StoredJob[], links: boolean): string {
  return dagSvg(layoutDag(jobNodes(jobs)), { links, standalone: false });
}

export async function pushPage(ctx: UiContext, id: string): Promise<PushView> {
  ctx.gate.refresh();
  const [push, jobs] = await Promise.all([ctx.store.getPush(id), ctx.store.listJobs({ pushId: id, limit: 100_000 })]);
  const g = ctx.gate.get(id);
  if (!push && !g) throw notFound(`push ${id}`);
  const changesets = push ? ((await ctx.changesets.of([{ id, node: push.node, nodeLast: push.nodeLast }])).get(id) ?? []) : [];
  const files = [...new Set(changesets.flatMap((c) => c.files))].sort();
  const verdict = g?.verdict ?? 'landed';
  return {
    id,
    at: push?.createdAt ?? g!.at,
    pusher: push?.actor.sub ?? g?.pusher ?? 'unknown',
    channel: push?.actor.via ?? g?.channel ?? 'unknown',
    groups: push?.actor.groups ?? g?.groups ?? [],
    verdict,
    source: push?.source ?? null,
    report: g && verdict === 'rejected' ? rejectionReport(g, ctx.config.gate.maxViolations) : null,
    bypass: g?.verdict === 'bypassed' ? g.bypassed.map((b) => b.reason) : [],
    heads: (push?.heads ?? g?.heads ?? []).map((n) => ({ node: n, short: short(n) })),
    changesets: changesets.map((c) => ({ ...c, short: short(c.node) })),
    files,
    svg: jobs.length > 0 ? jobsDag(jobs, true) : null,
    tasks: jobs.map((j) => ({
      id: j.id,
      task: j.task,
      head: short(j.rev),
      branch: j.branch,
      status: j.status,
      reasons: j.reasons.map((r) => describeReason(r)),
      more: Math.max(0, j.filesMatched - j.reasons.filter((r) => r.kind === 'file').length),
    })),
  };
}
