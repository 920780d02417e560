// The readers' queries (web UI, read APIs): pages of pushes, jobs of pushes, a task's history, recent changes, workers.
import type { SqlDriver } from './sql-driver.js';
import type { JobChange, JobChipRow, PushPageFilter, PushRecord, StoredJob, TaskHistoryFilter, WorkerSeen } from './store-types.js';
import { toPush, type PushRow } from './push-row.js';
import { JOB_COLUMNS, toJob, type JobRow } from './sql-store.js';

/** Read-only queries, each bounded by a limit; newest first where a person pages through them. */
export class SqlReads {
  constructor(private readonly db: SqlDriver) {}

  private pusherOf(column: string): string {
    return this.db.engine === 'postgres' ? `(${column}::json->>'sub')` : `json_extract(${column}, '$.sub')`;
  }

  async pushesNewestFirst(filter: PushPageFilter): Promise<PushRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    const add = (list: string[], sql: string, ...values: unknown[]) => {
      list.push(sql);
      args.push(...values);
    };
    if (filter.repo) add(where, 'p.repo = ?', filter.repo);
    if (filter.before)
      add(where, '(p.created_at < ? OR (p.created_at = ? AND p.id < ?))', filter.before.at, filter.before.at, filter.before.id);
    if (filter.pusher) add(where, `${this.pusherOf('p.actor')} = ?`, filter.pusher);
    const job: string[] = [];
    if (filter.branch) add(job, 'j.branch = ?', filter.branch);
    if (filter.task) add(job, 'j.task = ?', filter.task);
    if (filter.status) add(job, 'j.status = ?', filter.status);
    if (job.length > 0) where.push(`EXISTS (SELECT 1 FROM jobs j WHERE j.push_id = p.id AND ${job.join(' AND ')})`);
    const limit = Math.max(1, Math.min(501, Math.floor(filter.limit)));
    const rows = await this.db.all<PushRow>(
      `SELECT p.id, p.repo, p.node, p.node_last, p.heads, p.actor, p.source, p.created_at FROM pushes p
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.created_at DESC, p.id DESC LIMIT ${limit}`,
      args,
    );
    return rows.map(toPush);
  }

  async pushesByIds(ids: string[]): Promise<PushRecord[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all<PushRow>(
      `SELECT id, repo, node, node_last, heads, actor, source, created_at FROM pushes WHERE id IN (${ids.map(() => '?').join(', ')})`,
      ids,
    );
    return rows.map(toPush);
  }

  async chipsOfPushes(ids: string[]): Promise<JobChipRow[]> {
    if (ids.length === 0) return [];
    const rows = await this.db.all<{ id: string; push_id: string; rev: string; branch: string; task: string; status: string }>(
      `SELECT id, push_id, rev, branch, task, status FROM jobs WHERE push_id IN (${ids.map(() => '?').join(', ')}) ORDER BY created_at, ${this.db.seq}`,
      ids,
    );
    return rows.map((r) => ({
      id: r.id,
      pushId: r.push_id,
      rev: r.rev,
      branch: r.branch,
      task: r.task,
      status: r.status as JobChipRow['status'],
    }));
  }

  async taskHistory(filter: TaskHistoryFilter): Promise<StoredJob[]> {
    const args: unknown[] = [filter.task];
    let where = 'task = ?';
    if (filter.repo) {
      where += ' AND repo = ?';
      args.push(filter.repo);
    }
    if (filter.before) {
      where += ' AND (created_at < ? OR (created_at = ? AND id < ?))';
      args.push(filter.before.at, filter.before.at, filter.before.id);
    }
    const limit = Math.max(1, Math.min(501, Math.floor(filter.limit)));
    const rows = await this.db.all<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM jobs WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ${limit}`,
      args,
    );
    return rows.map(toJob);
  }

  async jobsChangedSince(after: { at: string; id: string }, limit: number): Promise<JobChange[]> {
    const rows = await this.db.all<{
      id: string;
      status: string;
      push_id: string;
      task: string;
      attempts: number | string;
      updated_at: string;
    }>(
      `SELECT id, status, push_id, task, attempts, updated_at FROM jobs WHERE updated_at > ? OR (updated_at = ? AND id > ?)
      ORDER BY updated_at, id LIMIT ${Math.max(1, Math.floor(limit))}`,
      [after.at, after.at, after.id],
    );
    return rows.map((r) => ({
      id: r.id,
      status: r.status as JobChange['status'],
      pushId: r.push_id,
      task: r.task,
      attempts: Number(r.attempts),
      updatedAt: r.updated_at,
    }));
  }

  async workersSeen(limit: number): Promise<WorkerSeen[]> {
    const rows = await this.db.all<{ worker: string; last: string; tokens: number | string }>(
      `SELECT worker, MAX(created_at) AS last, COUNT(*) AS tokens FROM tokens WHERE worker IS NOT NULL AND kind = 'running'
      GROUP BY worker ORDER BY MAX(created_at) DESC LIMIT ${Math.max(1, Math.floor(limit))}`,
    );
    return rows.map((r) => ({ worker: r.worker, lastHeartbeat: r.last, runningTokens: Number(r.tokens) }));
  }
}
