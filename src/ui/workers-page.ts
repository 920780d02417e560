// The workers page: every worker the store has seen or the config registers, what each runs now, and its last claim or heartbeat.
import { durationSeconds } from '../config/duration.js';
import type { UiContext } from './ui-context.js';

export interface WorkersView {
  workers: Array<{
    name: string;
    connected: boolean;
    registered: boolean;
    lastHeartbeat: string | null;
    running: Array<{ id: string; task: string; status: string; leaseUntil: string | null }>;
  }>;
}

export async function workersPage(ctx: UiContext): Promise<WorkersView> {
  const [seen, running] = await Promise.all([
    ctx.store.workersSeen(200),
    ctx.store.listJobs({ ...(ctx.config.repo.id ? { repo: ctx.config.repo.id } : {}), status: 'running', limit: 500 }),
  ]);
  const registered = new Set(Object.keys(ctx.config.worker.keys ?? {}));
  const names = [...new Set([...seen.map((s) => s.worker), ...running.flatMap((j) => (j.worker ? [j.worker] : [])), ...registered])];
  const now = ctx.now().getTime();
  // connected: a heartbeat within three heartbeat intervals (a running token lives at least that long, DESIGN §8)
  const window = 3 * durationSeconds(ctx.config.worker.heartbeat, 'worker.heartbeat') * 1000;
  return {
    workers: names.map((name) => {
      const last = seen.find((s) => s.worker === name)?.lastHeartbeat ?? null;
      const mine = running.filter((j) => j.worker === name);
      return {
        name,
        registered: registered.has(name),
        lastHeartbeat: last,
        connected: mine.length > 0 || (last !== null && now - Date.parse(last) <= window),
        running: mine.map((j) => ({
          id: j.id,
          task: j.task,
          status: j.status,
          leaseUntil: j.leaseExpires === null ? null : new Date(j.leaseExpires * 1000).toISOString(),
        })),
      };
    }),
  };
}
