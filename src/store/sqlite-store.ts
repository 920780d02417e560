import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobRecord, JobStatus } from '../jobs/job-types.js';
import { CONSUMES, REQUIRES_STATUS, RETRYABLE, afterFailure, backoffSeconds, dependentsOf, isReleased, presentation } from '../jobs/state-machine.js';
import type {
  AttemptRow, EnqueueBatch, EnqueueResult, ExchangeRequest, ExchangeResult, IssuedToken, JobFilter, JobStore, PushRecord, StoredJob, TokenRow,
} from './store-types.js';

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
  `ALTER TABLE jobs ADD COLUMN worker TEXT;
   ALTER TABLE jobs ADD COLUMN lease_expires INTEGER;
   ALTER TABLE jobs ADD COLUMN not_before INTEGER;
   ALTER TABLE jobs ADD COLUMN reason TEXT;
   ALTER TABLE tokens ADD COLUMN state TEXT NOT NULL DEFAULT 'live';
   ALTER TABLE tokens ADD COLUMN worker TEXT;
   ALTER TABLE tokens ADD COLUMN prev TEXT;
   ALTER TABLE tokens ADD COLUMN consumed_at INTEGER;
   ALTER TABLE tokens ADD COLUMN consumed_by TEXT;
   ALTER TABLE tokens ADD COLUMN transition TEXT;
   ALTER TABLE tokens ADD COLUMN answer TEXT;
   CREATE INDEX tokens_job ON tokens (job_id);
   CREATE TABLE attempts (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, worker TEXT NOT NULL, started_at INTEGER NOT NULL,
     ended_at INTEGER, outcome TEXT, exit_code INTEGER, log TEXT, PRIMARY KEY (job_id, attempt));`,
  `ALTER TABLE jobs ADD COLUMN reserved_by TEXT;
   ALTER TABLE jobs ADD COLUMN reserved_until INTEGER;`,
];

interface JobRow {
  id: string; repo: string; rev: string; branch: string; task: string; definition: string; requires: string; push_id: string;
  push: string; actor: string; reasons: string; files_matched: number; status: string; attempts: number; created_at: string;
  updated_at: string; spec: string; token_jti: string | null; token: string | null; token_exp: number | null;
  worker: string | null; lease_expires: number | null; not_before: number | null; reason: string | null;
  reserved_by: string | null; reserved_until: number | null;
}

interface TokenDbRow {
  jti: string; job_id: string; kind: string; exp: number; created_at: string; state: 'live' | 'consumed' | 'dead'; worker: string | null;
  prev: string | null; consumed_at: number | null; consumed_by: string | null; transition: string | null; answer: string | null;
}

function toJob(row: JobRow): StoredJob {
  return {
    id: row.id, repo: row.repo, rev: row.rev, branch: row.branch, task: row.task, definition: JSON.parse(row.definition),
    requires: JSON.parse(row.requires), push: JSON.parse(row.push), actor: JSON.parse(row.actor), reasons: JSON.parse(row.reasons),
    filesMatched: row.files_matched, status: row.status as JobRecord['status'], attempts: row.attempts, createdAt: row.created_at,
    updatedAt: row.updated_at, spec: row.spec, tokenJti: row.token_jti, token: row.token, tokenExp: row.token_exp,
    worker: row.worker, leaseExpires: row.lease_expires, notBefore: row.not_before, reason: row.reason,
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

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement, prepared once per store. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
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
    const insertJob = this.stmt(`INSERT OR IGNORE INTO jobs (id, repo, rev, branch, task, definition, requires, push_id, push, actor,
      reasons, files_matched, status, attempts, created_at, updated_at, spec, token_jti, token, token_exp)
      VALUES (@id, @repo, @rev, @branch, @task, @definition, @requires, @push_id, @push, @actor, @reasons, @files_matched, @status,
      @attempts, @created_at, @updated_at, @spec, NULL, NULL, NULL)`);
    const insertPush = this.stmt(`INSERT OR IGNORE INTO pushes (id, repo, node, node_last, heads, actor, source, created_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`);
    const insertHead = this.stmt('INSERT OR IGNORE INTO processed_heads (repo, node, push_id) VALUES (?, ?, ?)');
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
      ? this.stmt("SELECT * FROM jobs WHERE status = 'ready' AND token IS NULL AND repo = ? ORDER BY created_at, id").all(repo)
      : this.stmt("SELECT * FROM jobs WHERE status = 'ready' AND token IS NULL ORDER BY created_at, id").all();
    return (rows as JobRow[]).map(toJob);
  }

  setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): string[] {
    const update = this.stmt("UPDATE jobs SET token_jti = ?, token = ?, token_exp = ?, updated_at = ? WHERE id = ? AND status = 'ready' AND token IS NULL");
    const insert = this.stmt('INSERT INTO tokens (jti, job_id, kind, exp, created_at) VALUES (?, ?, ?, ?, ?)');
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
    const row = this.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  listJobs(filter: JobFilter = {}): StoredJob[] {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.repo) (where.push('repo = ?'), args.push(filter.repo));
    if (filter.status) (where.push('status = ?'), args.push(filter.status));
    if (filter.rev) (where.push('rev LIKE ?'), args.push(`${filter.rev}%`));
    if (filter.pushId) (where.push('push_id = ?'), args.push(filter.pushId));
    if (filter.idPrefix) (where.push('id LIKE ?'), args.push(`${filter.idPrefix.replace(/[%_]/g, '')}%`));
    const sql = `SELECT * FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at, rowid LIMIT ${Math.max(1, filter.limit ?? 1000)}`;
    return (this.stmt(sql).all(...args) as JobRow[]).map(toJob);
  }

  processedHeads(repo: string): string[] {
    return (this.stmt('SELECT node FROM processed_heads WHERE repo = ?').all(repo) as Array<{ node: string }>).map((r) => r.node);
  }

  getPush(id: string): PushRecord | null {
    const row = this.stmt('SELECT * FROM pushes WHERE id = ?').get(id) as Record<string, string> | undefined;
    if (!row) return null;
    return { id: row['id']!, repo: row['repo']!, node: row['node']!, nodeLast: row['node_last']!, heads: JSON.parse(row['heads']!),
      actor: JSON.parse(row['actor']!), source: row['source'] as PushRecord['source'], createdAt: row['created_at']! };
  }

  private job(id: string): StoredJob | null {
    const row = this.stmt('SELECT * FROM jobs WHERE id = ?').get(id) as JobRow | undefined;
    return row ? toJob(row) : null;
  }

  jobsOfHead(repo: string, rev: string): StoredJob[] {
    return (this.stmt('SELECT * FROM jobs WHERE repo = ? AND rev = ? ORDER BY created_at, rowid').all(repo, rev) as JobRow[]).map(toJob);
  }

  private setStatus(id: string, status: JobStatus, reason: string | null, at: string): void {
    this.stmt('UPDATE jobs SET status = ?, reason = ?, updated_at = ? WHERE id = ?').run(status, reason, at, id);
  }

  /** Every live token of a job dies: after a replay, a lease expiry, a cancel or a retry. */
  private killTokens(jobId: string): void {
    this.stmt("UPDATE tokens SET state = 'dead' WHERE job_id = ? AND state = 'live' AND kind != 'done'").run(jobId);
    this.stmt('UPDATE jobs SET token = NULL, token_exp = NULL WHERE id = ?').run(jobId);
  }

  private markUpstreamFailed(job: StoredJob, at: string): string[] {
    const head = this.jobsOfHead(job.repo, job.rev);
    const down = dependentsOf(job.id, head).filter((id) => {
      const s = head.find((j) => j.id === id)!.status;
      return s === 'pending' || s === 'ready';
    });
    for (const id of down) {
      this.killTokens(id);
      this.setStatus(id, 'upstream_failed', `upstream job ${job.id} ${job.status === 'cancelled' ? 'was cancelled' : 'failed'}`, at);
    }
    return down;
  }

  exchange(req: ExchangeRequest): ExchangeResult {
    return this.write((): ExchangeResult => {
      const at = new Date(req.now * 1000).toISOString();
      const token = this.stmt('SELECT * FROM tokens WHERE jti = ?').get(req.jti) as TokenDbRow | undefined;
      const job = this.job(req.jobId);
      if (!token) return { ok: false, reason: 'unknown', job };
      if (token.job_id !== req.jobId || !job) return { ok: false, reason: 'wrong_job', job };
      if (token.kind !== CONSUMES[req.transition]) return { ok: false, reason: 'wrong_kind', job };
      const seen = presentation({ state: token.state, consumedBy: token.consumed_by, consumedAt: token.consumed_at, transition: token.transition },
        req.worker, req.transition, req.now);
      if (seen === 'retry') {
        const answer = JSON.parse(token.answer ?? 'null') as { issued: IssuedToken | null; released: string[]; upstreamFailed: string[] };
        return { ok: true, retry: true, job, issued: answer.issued, released: answer.released, upstreamFailed: answer.upstreamFailed };
      }
      if (seen === 'replay') {
        // a second presentation: refuse it, kill every token of the job, fail the job
        this.killTokens(job.id);
        this.setStatus(job.id, 'failed', 'token_replay', at);
        this.stmt("UPDATE attempts SET ended_at = ?, outcome = 'token_replay' WHERE job_id = ? AND ended_at IS NULL").run(req.now, job.id);
        this.markUpstreamFailed({ ...job, status: 'failed' }, at);
        return { ok: false, reason: 'replay', job: this.job(job.id) };
      }
      if (seen === 'dead') return { ok: false, reason: 'dead', job };
      if (token.exp < req.now) return { ok: false, reason: 'expired', job };
      if (token.kind === 'running' && token.worker !== req.worker) return { ok: false, reason: 'wrong_worker', job };
      if (job.status !== REQUIRES_STATUS[req.transition] || job.tokenJti !== req.jti) return { ok: false, reason: 'wrong_state', job };
      if (req.transition === 'claim') {
        const r = this.stmt('SELECT reserved_by, reserved_until FROM jobs WHERE id = ?').get(job.id) as { reserved_by: string | null; reserved_until: number | null };
        // another worker reserved it: refuse without consuming the token (competition, not a replay)
        if (r.reserved_by !== null && r.reserved_by !== req.worker && (r.reserved_until ?? 0) >= req.now) return { ok: false, reason: 'wrong_state', job };
      }

      let released: string[] = [];
      let upstreamFailed: string[] = [];
      const issue = (t: IssuedToken) => {
        this.stmt("INSERT INTO tokens (jti, job_id, kind, exp, created_at, state, worker, prev) VALUES (?, ?, ?, ?, ?, 'live', ?, ?)")
          .run(t.jti, job.id, t.kind, t.exp, at, req.worker, req.jti);
      };
      if (req.transition === 'claim' || req.transition === 'heartbeat') {
        if (!req.issued || req.issued.kind !== 'running') throw new Error('a claim or heartbeat must issue a running token');
        issue(req.issued);
        const attempts = req.transition === 'claim' ? job.attempts + 1 : job.attempts;
        this.stmt("UPDATE jobs SET status = 'running', attempts = ?, worker = ?, lease_expires = ?, token_jti = ?, token = ?, token_exp = ?, updated_at = ?, reserved_by = NULL, reserved_until = NULL WHERE id = ?")
          .run(attempts, req.worker, req.now + req.leaseSeconds, req.issued.jti, req.issued.token, req.issued.exp, at, job.id);
        if (req.transition === 'claim') {
          this.stmt('INSERT OR REPLACE INTO attempts (job_id, attempt, worker, started_at) VALUES (?, ?, ?, ?)').run(job.id, attempts, req.worker, req.now);
        }
      } else if (req.transition === 'complete') {
        if (!req.issued || req.issued.kind !== 'done') throw new Error('a completion must issue a done receipt');
        issue(req.issued);
        this.stmt("UPDATE jobs SET status = 'done', reason = NULL, lease_expires = NULL, token_jti = ?, token = NULL, token_exp = NULL, updated_at = ? WHERE id = ?")
          .run(req.issued.jti, at, job.id);
        this.stmt("UPDATE attempts SET ended_at = ?, outcome = 'done', exit_code = ?, log = ? WHERE job_id = ? AND attempt = ?")
          .run(req.now, req.outcome?.exitCode ?? 0, req.outcome?.log ?? null, job.id, job.attempts);
        // release the dependents whose upstream jobs are now all done, inside this transaction
        const waiting = this.stmt("SELECT id, requires FROM jobs WHERE repo = ? AND rev = ? AND status = 'pending' AND instr(requires, ?) > 0")
          .all(job.repo, job.rev, `"${job.id}"`) as Array<{ id: string; requires: string }>;
        const statusOf = (id: string) => (this.stmt('SELECT status FROM jobs WHERE id = ?').get(id) as { status: JobStatus } | undefined)?.status;
        released = waiting.filter((w) => isReleased(JSON.parse(w.requires) as string[], statusOf)).map((w) => w.id);
        for (const id of released) this.setStatus(id, 'ready', null, at);
      } else {
        const reason = req.outcome?.reason ?? 'task failed';
        const next = afterFailure(job.attempts, job.definition.retries ?? 0);
        this.stmt('UPDATE attempts SET ended_at = ?, outcome = ?, exit_code = ?, log = ? WHERE job_id = ? AND attempt = ?')
          .run(req.now, 'failed', req.outcome?.exitCode ?? null, req.outcome?.log ?? null, job.id, job.attempts);
        this.stmt("UPDATE jobs SET status = ?, reason = ?, lease_expires = NULL, worker = NULL, not_before = ?, token = NULL, token_exp = NULL, updated_at = ? WHERE id = ?")
          .run(next, reason, next === 'ready' ? req.now + backoffSeconds(job.attempts) : null, at, job.id);
        if (next === 'failed') upstreamFailed = this.markUpstreamFailed({ ...job, status: 'failed' }, at);
      }
      this.stmt("UPDATE tokens SET state = 'consumed', consumed_at = ?, consumed_by = ?, transition = ?, answer = ? WHERE jti = ?")
        .run(req.now, req.worker, req.transition, JSON.stringify({ issued: req.issued, released, upstreamFailed }), req.jti);
      return { ok: true, retry: false, job: this.job(job.id)!, issued: req.issued, released, upstreamFailed };
    });
  }

  expireLeases(now: number): string[] {
    return this.write(() => {
      const rows = this.stmt("SELECT id, attempts FROM jobs WHERE status = 'running' AND lease_expires < ?").all(now) as Array<{ id: string; attempts: number }>;
      const at = new Date(now * 1000).toISOString();
      for (const r of rows) {
        this.killTokens(r.id);
        this.stmt("UPDATE jobs SET status = 'ready', worker = NULL, lease_expires = NULL, token_jti = NULL, reason = 'lease expired', updated_at = ? WHERE id = ?").run(at, r.id);
        this.stmt("UPDATE attempts SET ended_at = ?, outcome = 'lease_expired' WHERE job_id = ? AND attempt = ? AND ended_at IS NULL").run(now, r.id, r.attempts);
      }
      return rows.map((r) => r.id);
    });
  }

  expireQueuedTokens(now: number): string[] {
    return this.write(() => {
      const rows = this.stmt("SELECT id FROM jobs WHERE status = 'ready' AND token IS NOT NULL AND token_exp < ?").all(now) as Array<{ id: string }>;
      const at = new Date(now * 1000).toISOString();
      for (const r of rows) {
        this.killTokens(r.id);
        this.setStatus(r.id, 'expired', 'the queued token expired before any worker claimed the job', at);
      }
      return rows.map((r) => r.id);
    });
  }

  nextReady(now: number, limit: number): StoredJob[] {
    return (this.stmt("SELECT * FROM jobs WHERE status = 'ready' AND token IS NOT NULL AND (not_before IS NULL OR not_before <= ?) ORDER BY created_at, rowid LIMIT ?")
      .all(now, limit) as JobRow[]).map(toJob);
  }

  reserveNext(worker: string, now: number, seconds: number): StoredJob | null {
    return this.write(() => {
      const row = this.stmt(`SELECT * FROM jobs WHERE status = 'ready' AND token IS NOT NULL AND (not_before IS NULL OR not_before <= ?)
        AND (reserved_by IS NULL OR reserved_by = ? OR reserved_until < ?) ORDER BY created_at, rowid LIMIT 1`).get(now, worker, now) as JobRow | undefined;
      if (!row) return null;
      this.stmt('UPDATE jobs SET reserved_by = ?, reserved_until = ? WHERE id = ?').run(worker, now + seconds, row.id);
      return toJob(row);
    });
  }

  doneReceipts(jobIds: string[]): Array<{ job: string; jti: string }> {
    const get = this.stmt("SELECT jti FROM tokens WHERE job_id = ? AND kind = 'done' ORDER BY created_at DESC LIMIT 1");
    return jobIds.flatMap((id) => {
      const row = get.get(id) as { jti: string } | undefined;
      return row ? [{ job: id, jti: row.jti }] : [];
    });
  }

  retryJob(id: string, now: number): string[] {
    return this.write(() => {
      const job = this.job(id);
      if (!job || !RETRYABLE.has(job.status)) return [];
      const at = new Date(now * 1000).toISOString();
      const head = this.jobsOfHead(job.repo, job.rev);
      const again = [job.id, ...dependentsOf(job.id, head).filter((d) => head.find((j) => j.id === d)!.status === 'upstream_failed')];
      const status = new Map(head.map((j) => [j.id, j.status] as const));
      for (const jid of again) status.set(jid, 'pending');
      for (const jid of again) {
        const j = head.find((h) => h.id === jid)!;
        const next: JobStatus = isReleased(j.requires, (r) => status.get(r)) ? 'ready' : 'pending';
        this.killTokens(jid);
        this.stmt('UPDATE jobs SET status = ?, reason = NULL, attempts = 0, worker = NULL, lease_expires = NULL, not_before = NULL, token_jti = NULL, updated_at = ? WHERE id = ?')
          .run(next, at, jid);
      }
      return again;
    });
  }

  cancelJob(id: string, now: number): string[] {
    return this.write(() => {
      const job = this.job(id);
      if (!job || ['done', 'failed', 'upstream_failed', 'cancelled'].includes(job.status)) return [];
      const at = new Date(now * 1000).toISOString();
      this.killTokens(id);
      this.setStatus(id, 'cancelled', 'cancelled by an admin', at);
      this.stmt("UPDATE attempts SET ended_at = ?, outcome = 'cancelled' WHERE job_id = ? AND ended_at IS NULL").run(now, id);
      return [id, ...this.markUpstreamFailed({ ...job, status: 'cancelled' }, at)];
    });
  }

  tokensOf(jobId: string): TokenRow[] {
    return (this.stmt('SELECT * FROM tokens WHERE job_id = ? ORDER BY rowid').all(jobId) as TokenDbRow[]).map((t) => ({
      jti: t.jti, jobId: t.job_id, kind: t.kind, exp: t.exp, state: t.state, worker: t.worker, prev: t.prev, createdAt: t.created_at,
      consumedAt: t.consumed_at, transition: t.transition,
    }));
  }

  attemptsOf(jobId: string): AttemptRow[] {
    return (this.stmt('SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt').all(jobId) as Array<Record<string, unknown>>).map((a) => ({
      jobId: a['job_id'] as string, attempt: a['attempt'] as number, worker: a['worker'] as string, startedAt: a['started_at'] as number,
      endedAt: (a['ended_at'] as number | null) ?? null, outcome: (a['outcome'] as string | null) ?? null, exitCode: (a['exit_code'] as number | null) ?? null,
      log: (a['log'] as string | null) ?? null,
    }));
  }

  close(): void {
    this.db.close();
  }
}
