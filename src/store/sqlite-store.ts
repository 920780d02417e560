import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobRecord } from '../jobs/job-types.js';
import type { EnqueueBatch, EnqueueResult, JobFilter, JobStore, PushRecord, StoredJob } from './store-types.js';

/** Migrations, in order; `PRAGMA user_version` records how many have run. */
const MIGRATIONS = [
  `CREATE TABLE pushes (
     id TEXT PRIMARY KEY, repo TEXT NOT NULL, node TEXT NOT NULL, node_last TEXT NOT NULL, heads TEXT NOT NULL,
     actor TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE processed_heads (repo TEXT NOT NULL, node TEXT NOT NULL, push_id TEXT NOT NULL, PRIMARY KEY (repo, node));
   CREATE TABLE jobs (
     id TEXT PRIMARY KEY, repo TEXT NOT NULL, rev TEXT NOT NULL, branch TEXT NOT NULL, task TEXT NOT NULL,
     definition TEXT NOT NULL, requires TEXT NOT NULL, push_id TEXT NOT NULL, push TEXT NOT NULL, actor TEXT NOT NULL,
     reasons TEXT NOT NULL, files_matched INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL, spec TEXT NOT NULL,
     token_jti TEXT, token TEXT, token_exp INTEGER);
   CREATE INDEX jobs_status ON jobs (status);
   CREATE INDEX jobs_rev ON jobs (rev);
   CREATE INDEX jobs_push ON jobs (push_id);
   CREATE TABLE tokens (jti TEXT PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, exp INTEGER NOT NULL, created_at TEXT NOT NULL);`,
];

interface JobRow {
  id: string; repo: string; rev: string; branch: string; task: string; definition: string; requires: string; push_id: string;
  push: string; actor: string; reasons: string; files_matched: number; status: string; attempts: number; created_at: string;
  updated_at: string; spec: string; token_jti: string | null; token: string | null; token_exp: number | null;
}

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id, repo: row.repo, rev: row.rev, branch: row.branch, task: row.task, definition: JSON.parse(row.definition),
    requires: JSON.parse(row.requires), push: JSON.parse(row.push), actor: JSON.parse(row.actor), reasons: JSON.parse(row.reasons),
    filesMatched: row.files_matched, status: row.status as JobRecord['status'], attempts: row.attempts, createdAt: row.created_at,
    updatedAt: row.updated_at, spec: row.spec, tokenJti: row.token_jti, token: row.token, tokenExp: row.token_exp,
  };
}

function storeError(path: string, error: unknown): TaskgateError {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new TaskgateError('ERR_STORE_CORRUPT', `the job store ${path} is damaged (${code})`,
      'move it aside and run `taskgate reconcile` to rebuild the jobs of unprocessed pushes; restore it from a backup for the history');
  }
  return new TaskgateError('ERR_STORE_UNAVAILABLE', `the job store ${path} cannot be opened or written: ${(error as Error).message}`,
    'check the permissions and free space of .hg/taskgate/; jobs wait in the outbox until `taskgate reconcile`', { cause: error });
}

/** The embedded store (DESIGN §9): one SQLite file in WAL mode; writes under BEGIN IMMEDIATE. */
export class SqliteStore implements JobStore {
  readonly backend = 'sqlite' as const;
  private readonly db: Database.Database;

  constructor(private readonly path: string) {
    try {
      mkdirSync(dirname(path), { recursive: true });
      this.db = new Database(path);
      this.db.pragma('journal_mode = WAL');
      this.db.pragma('busy_timeout = 5000');
      this.db.pragma('synchronous = NORMAL');
      this.migrate();
    } catch (error) {
      throw storeError(path, error);
    }
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version >= MIGRATIONS.length) return;
    this.db.transaction(() => {
      const current = this.db.pragma('user_version', { simple: true }) as number;
      for (let i = current; i < MIGRATIONS.length; i++) this.db.exec(MIGRATIONS[i]!);
      this.db.pragma(`user_version = ${MIGRATIONS.length}`);
    }).immediate();
  }

  private write<T>(work: () => T): T {
    try {
      return this.db.transaction(work).immediate();
    } catch (error) {
      if (error instanceof TaskgateError) throw error;
      throw storeError(this.path, error);
    }
  }

  enqueue(batch: EnqueueBatch): EnqueueResult {
    const insertJob = this.db.prepare(`INSERT OR IGNORE INTO jobs (id, repo, rev, branch, task, definition, requires, push_id, push, actor,
      reasons, files_matched, status, attempts, created_at, updated_at, spec, token_jti, token, token_exp)
      VALUES (@id, @repo, @rev, @branch, @task, @definition, @requires, @push_id, @push, @actor, @reasons, @files_matched, @status,
      @attempts, @created_at, @updated_at, @spec, NULL, NULL, NULL)`);
    const insertPush = this.db.prepare(`INSERT OR IGNORE INTO pushes (id, repo, node, node_last, heads, actor, source, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertHead = this.db.prepare('INSERT OR IGNORE INTO processed_heads (repo, node, push_id) VALUES (?, ?, ?)');
    return this.write(() => {
      const p = batch.push;
      insertPush.run(p.id, p.repo, p.node, p.nodeLast, JSON.stringify(p.heads), JSON.stringify(p.actor), p.source, p.createdAt);
      const created: string[] = [];
      const existing: string[] = [];
      for (const j of batch.jobs) {
        const r = insertJob.run({
          id: j.id, repo: j.repo, rev: j.rev, branch: j.branch, task: j.task, definition: JSON.stringify(j.definition),
          requires: JSON.stringify(j.requires), push_id: j.push.id, push: JSON.stringify(j.push), actor: JSON.stringify(j.actor),
          reasons: JSON.stringify(j.reasons), files_matched: j.filesMatched, status: j.status, attempts: j.attempts,
          created_at: j.createdAt, updated_at: j.updatedAt, spec: j.spec,
        });
        (r.changes > 0 ? created : existing).push(j.id);
      }
      for (const head of p.heads) insertHead.run(p.repo, head, p.id);
      return { created, existing };
    });
  }

  jobsNeedingToken(repo?: string): StoredJob[] {
    const rows = repo
      ? this.db.prepare("SELECT * FROM jobs WHERE status = 'ready' AND token IS NULL AND repo = ? ORDER BY created_at, id").all(repo)
      : this.db.prepare("SELECT * FROM jobs WHERE status = 'ready' AND token IS NULL ORDER BY created_at, id").all();
    return (rows as JobRow[]).map(toJob);
  }

  setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): string[] {
    const update = this.db.prepare("UPDATE jobs SET token_jti = ?, token = ?, token_exp = ?, updated_at = ? WHERE id = ? AND status = 'ready' AND token IS NULL");
    const insert = this.db.prepare('INSERT INTO tokens (jti, job_id, kind, exp, created_at) VALUES (?, ?, ?, ?, ?)');
    return this.write(() => {
      const at = new Date().toISOString();
      const took: string[] = [];
      for (const t of tokens) {
        if (update.run(t.jti, t.token, t.exp, at, t.jobId).changes === 0) continue;
        insert.run(t.jti, t.jobId, 'queued', t.exp, at);
        took.push(t.jobId);
      }
      return took;
    });
  }

  getJob(id: string): StoredJob | null {
    const row = this.db.prepare('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  listJobs(filter: JobFilter = {}): StoredJob[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.repo) (where.push('repo = ?'), args.push(filter.repo));
    if (filter.status) (where.push('status = ?'), args.push(filter.status));
    if (filter.rev) (where.push('rev LIKE ?'), args.push(`${filter.rev}%`));
    if (filter.pushId) (where.push('push_id = ?'), args.push(filter.pushId));
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid LIMIT ${Math.max(1, filter.limit ?? 1000)}`;
    return (this.db.prepare(sql).all(...args) as JobRow[]).map(toJob);
  }

  processedHeads(repo: string): string[] {
    return (this.db.prepare('SELECT node FROM processed_heads WHERE repo = ?').all(repo) as Array<{ node: string }>).map((r) => r.node);
  }

  getPush(id: string): PushRecord | null {
    const row = this.db.prepare('SELECT * FROM pushes WHERE id = ?').get(id) as Record<string, string> | undefined;
    if (!row) return null;
    return { id: row['id']!, repo: row['repo']!, node: row['node']!, nodeLast: row['node_last']!, heads: JSON.parse(row['heads']!),
      actor: JSON.parse(row['actor']!), source: row['source'] as PushRecord['source'], createdAt: row['created_at']! };
  }

  close(): void {
    this.db.close();
  }
}
