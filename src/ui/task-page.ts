// A task's history across pushes: each job's status, head, pusher and how long its attempts ran; newest first, paged.
import { encodeCursor, type Cursor } from './page-query.js';
import { short, type UiContext } from './ui-context.js';

export const TASK_PAGE_SIZE = 50;

export interface TaskView {
  task: string;
  rows: Array<{
    id: string;
    status: string;
    at: string;
    head: string;
    branch: string;
    pushId: string;
    pusher: string;
    attempts: number;
    seconds: number | null;
  }>;
  counts: Array<{ status: string; n: number }>;
  next: string | null;
}

export async function taskPage(ctx: UiContext, task: string, cursor: Cursor | undefined): Promise<TaskView> {
  const jobs = await ctx.store.taskHistory({
    task,
    ...(ctx.config.repo.id ? { repo: ctx.config.repo.id } : {}),
    ...(cursor ? { before: cursor } : {}),
    limit: TASK_PAGE_SIZE + 1,
  });
  const page = jobs.slice(0, TASK_PAGE_SIZE);
  const attempts = await Promise.all(page.map((j) => ctx.store.attemptsOf(j.id)));
  const counts = new Map<string, number>();
  for (const j of page) counts.set(j.status, (counts.get(j.status) ?? 0) + 1);
  const last = page.at(-1);
  return {
    task,
    rows: page.map((j, i) => {
      const ended = attempts[i]!.filter((a) => a.endedAt !== null);
      return {
        id: j.id,
        status: j.status,
        at: j.createdAt,
        head: short(j.rev),
        branch: j.branch,
        pushId: j.push.id,
        pusher: j.actor.sub ?? 'unknown',
        attempts: j.attempts,
        seconds: ended.length === 0 ? null : ended.reduce((s, a) => s + (a.endedAt! - a.startedAt), 0),
      };
    }),
    counts: [...counts].map(([status, n]) => ({ status, n })),
    next: jobs.length > TASK_PAGE_SIZE && last ? encodeCursor({ at: last.createdAt, id: last.id }) : null,
  };
}
