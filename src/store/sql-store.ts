// The job store's SQL, written once for both engines (DESIGN §9): exchanges, enqueues and admin actions, each one transaction locking its head.
import type { JobRecord, JobStatus } from '../jobs/job-types.js';
import {
  CONSUMES,
  REQUIRES_STATUS,
  FINAL,
  RETRYABLE,
  afterFailure,
  backoffSeconds,
  dependentsOf,
  isReleased,
  presentation,
} from '../jobs/state-machine.js';
import { faultPoint } from '../errors/fault-point.js';
import type { SqlDriver } from './sql-driver.js';
import { toPush, type PushRow } from './push-row.js';
import type {
  AttemptRow,
  EnqueueBatch,
  EnqueueResult,
  ExchangeRefusal,
  ExchangeRequest,
  ExchangeResult,
  IssuedToken,
  JobFilter,
  PushFilter,
  PushRecord,
  StoredJob,
  SupersededJob,
  TokenRow,
} from './store-types.js';

export interface JobRow {
  id: string;
  repo: string;
  rev: string;
  branch: string;
  task: string;
  definition: string;
  requires: string;
  push_id: string;
  push: string;
  actor: string;
  reasons: string;
  files_matched: number;
  status: string;
  attempts: number;
  created_at: string;
  updated_at: string;
  spec: string;
  token_jti: string | null;
  token: string | null;
  token_exp: number | string | null;
  worker: string | null;
  lease_expires: number | string | null;
  not_before: number | string | null;
  reason: string | null;
}

interface TokenDbRow {
  jti: string;
  job_id: string;
  kind: string;
  exp: number | string;
  created_at: string;
  state: 'live' | 'consumed' | 'dead';
  worker: string | null;
  prev: string | null;
  consumed_at: number | string | null;
  consumed_by: string | null;
  transition: string | null;
  answer: string | null;
}

/** PostgreSQL returns BIGINT as a string: unix seconds fit a double. */
function num(value: number | string | null): number | null {
  return value === null ? null : Number(value);
}

export function toJob(row: JobRow): StoredJob {
  return {
    id: row.id,
    repo: row.repo,
    rev: row.rev,
    branch: row.branch,
    task: row.task,
    definition: JSON.parse(row.definition) as StoredJob['definition'],
    requires: JSON.parse(row.requires) as StoredJob['requires'],
    push: JSON.parse(row.push) as StoredJob['push'],
    actor: JSON.parse(row.actor) as StoredJob['actor'],
    reasons: JSON.parse(row.reasons) as StoredJob['reasons'],
    filesMatched: Number(row.files_matched),
    status: row.status as JobRecord['status'],
    attempts: Number(row.attempts),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    spec: row.spec,
    tokenJti: row.token_jti,
    token: row.token,
    tokenExp: num(row.token_exp),
    worker: row.worker,
    leaseExpires: num(row.lease_expires),
    notBefore: num(row.not_before),
    reason: row.reason,
  };
}

/** `AND repo IN (...)` for a worker that serves only some repositories of a shared store; nothing when unrestricted. */
function inRepos(repos: readonly string[] | undefined): { sql: string; args: string[] } {
  if (!repos) return { sql: '', args: [] };
  // an empty list matches nothing, never everything
  if (repos.length === 0) return { sql: ' AND 1 = 0', args: [] };
  return { sql: ` AND repo IN (${repos.map(() => '?').join(', ')})`, args: [...repos] };
}

export const JOB_COLUMNS = `id, repo, rev, branch, task, definition, requires, push_id, push, actor, reasons, files_matched, status, attempts,
  created_at, updated_at, spec, token_jti, token, token_exp, worker, lease_expires, not_before, reason`;

/**
 * The job store of DESIGN §9, written once for both engines: each exchange, enqueue and admin
 * action is one transaction that also locks the head it touches, so that two upstream jobs
 * completing at once on two hosts still release their dependent exactly once.
 */
interface Reservation {
  reserved_by: string | null;
  reserved_until: number | string | null;
}

/** What an exchange changes beyond its own job, stored with the token as the answer a retry gets again. */
interface Effects {
  released: string[];
  upstreamFailed: string[];
}

type ExchangeVerdict =
  | { kind: 'refused'; reason: Exclude<ExchangeRefusal, 'replay'> }
  | { kind: 'retry'; job: StoredJob; answer: Effects & { issued: IssuedToken | null } }
  | { kind: 'replay'; job: StoredJob }
  | { kind: 'go'; job: StoredJob };

/** What a presented token means for this exchange (DESIGN §8), decided before anything changes. */
function judgeExchange(
  token: TokenDbRow | undefined,
  job: StoredJob | null,
  reservation: Reservation | undefined,
  req: ExchangeRequest,
): ExchangeVerdict {
  const refused = (reason: Exclude<ExchangeRefusal, 'replay'>): ExchangeVerdict => ({ kind: 'refused', reason });
  if (!token) return refused('unknown');
  if (token.job_id !== req.jobId || !job) return refused('wrong_job');
  if (token.kind !== CONSUMES[req.transition]) return refused('wrong_kind');
  const state = { state: token.state, consumedBy: token.consumed_by, consumedAt: num(token.consumed_at), transition: token.transition };
  const seen = presentation(state, req.worker, req.transition, req.now);
  if (seen === 'retry')
    return { kind: 'retry', job, answer: JSON.parse(token.answer ?? 'null') as Effects & { issued: IssuedToken | null } };
  if (seen === 'replay') return { kind: 'replay', job };
  if (seen === 'dead') return refused('dead');
  if (Number(token.exp) < req.now) return refused('expired');
  if (token.kind === 'running' && token.worker !== req.worker) return refused('wrong_worker');
  if (job.status !== REQUIRES_STATUS[req.transition] || job.tokenJti !== req.jti) return refused('wrong_state');
  // another worker reserved it: refuse without consuming the token (competition, not a replay)
  const reservedByOther =
    reservation !== undefined &&
    reservation.reserved_by !== null &&
    reservation.reserved_by !== req.worker &&
    (num(reservation.reserved_until) ?? 0) >= req.now;
  return reservedByOther ? refused('wrong_state') : { kind: 'go', job };
}

export class SqlJobs {
  constructor(private readonly db: SqlDriver) {}

  async enqueue(batch: EnqueueBatch): Promise<EnqueueResult> {
    return this.db.transaction(async (tx) => {
      const p = batch.push;
      await tx.run(
        `INSERT INTO pushes (id, repo, node, node_last, heads, actor, source, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO NOTHING`,
        [p.id, p.repo, p.node, p.nodeLast, JSON.stringify(p.heads), JSON.stringify(p.actor), p.source, p.createdAt],
      );
      const created: string[] = [];
      const existing: string[] = [];
      for (const j of batch.jobs) {
        const changed = await tx.run(
          `INSERT INTO jobs (id, repo, rev, branch, task, definition, requires, push_id, push, actor, reasons,
          files_matched, status, attempts, created_at, updated_at, spec) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          ON CONFLICT DO NOTHING`,
          [
            j.id,
            j.repo,
            j.rev,
            j.branch,
            j.task,
            JSON.stringify(j.definition),
            JSON.stringify(j.requires),
            j.push.id,
            JSON.stringify(j.push),
            JSON.stringify(j.actor),
            JSON.stringify(j.reasons),
            j.filesMatched,
            j.status,
            j.attempts,
            j.createdAt,
            j.updatedAt,
            j.spec,
          ],
        );
        (changed > 0 ? created : existing).push(j.id);
      }
      const superseded: SupersededJob[] = [];
      for (const j of batch.jobs)
        if (j.definition.supersede === true && created.includes(j.id)) superseded.push(...(await this.supersede(tx, j)));
      for (const head of p.heads)
        await tx.run('INSERT INTO processed_heads (repo, node, push_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING', [p.repo, head, p.id]);
      faultPoint('store:enqueue');
      if (created.length > 0) await tx.notifyReady();
      if (created.length > 0) await tx.notifyChanged();
      return { created, existing, superseded };
    });
  }

  /**
   * `"supersede": true` (DESIGN §14): the older jobs of the same (repository, branch, task) that are not yet
   * running are cancelled, with their tokens and their dependents, naming the newer job.
   */
  private async supersede(tx: SqlDriver, newer: JobRecord): Promise<SupersededJob[]> {
    const older = (
      await tx.all<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE repo = ? AND branch = ? AND task = ? AND status IN ('pending', 'ready')
        AND push_id != ? AND created_at <= ? ORDER BY created_at, ${tx.seq}`,
        [newer.repo, newer.branch, newer.task, newer.push.id, newer.createdAt],
      )
    ).map(toJob);
    const out: SupersededJob[] = [];
    const reason = `superseded by ${newer.id}`;
    for (const job of older) {
      await tx.lock(`head:${job.repo}:${job.rev}`);
      const head = await this.jobsOfHead(job.repo, job.rev, tx);
      const current = head.find((h) => h.id === job.id);
      if (!current || (current.status !== 'pending' && current.status !== 'ready')) continue;
      const down = dependentsOf(job.id, head).filter((id) => ['pending', 'ready'].includes(head.find((h) => h.id === id)!.status));
      for (const id of [job.id, ...down]) {
        await this.killTokens(tx, id);
        await this.setStatus(tx, id, 'cancelled', reason, newer.createdAt);
        const j = head.find((h) => h.id === id)!;
        out.push({ job: id, task: j.task, rev: j.rev, by: newer.id });
      }
    }
    return out;
  }

  async jobsNeedingToken(repo?: string): Promise<StoredJob[]> {
    const rows = repo
      ? await this.db.all<JobRow>(
          `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'ready' AND token IS NULL AND repo = ? ORDER BY created_at, ${this.db.seq}`,
          [repo],
        )
      : await this.db.all<JobRow>(
          `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'ready' AND token IS NULL ORDER BY created_at, ${this.db.seq}`,
        );
    return rows.map(toJob);
  }

  async setQueuedTokens(tokens: Array<{ jobId: string; jti: string; token: string; exp: number }>): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      const at = new Date().toISOString();
      const took: string[] = [];
      for (const t of tokens) {
        const changed = await tx.run(
          "UPDATE jobs SET token_jti = ?, token = ?, token_exp = ?, updated_at = ? WHERE id = ? AND status = 'ready' AND token IS NULL",
          [t.jti, t.token, t.exp, at, t.jobId],
        );
        if (changed === 0) continue;
        await tx.run('INSERT INTO tokens (jti, job_id, kind, exp, created_at) VALUES (?, ?, ?, ?, ?)', [
          t.jti,
          t.jobId,
          'queued',
          t.exp,
          at,
        ]);
        took.push(t.jobId);
      }
      if (took.length > 0) await tx.notifyReady();
      return took;
    });
  }

  async getJob(id: string, db: SqlDriver = this.db): Promise<StoredJob | null> {
    const row = await db.get<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`, [id]);
    return row ? toJob(row) : null;
  }

  async listJobs(filter: JobFilter = {}): Promise<StoredJob[]> {
    const prefix = (text: string) => `${text.replace(/[%_]/g, '')}%`;
    const conditions: Array<[string, unknown]> = [];
    if (filter.repo) conditions.push(['repo = ?', filter.repo]);
    if (filter.status) conditions.push(['status = ?', filter.status]);
    if (filter.rev) conditions.push(['rev LIKE ?', prefix(filter.rev)]);
    if (filter.pushId) conditions.push(['push_id = ?', filter.pushId]);
    if (filter.idPrefix) conditions.push(['id LIKE ?', prefix(filter.idPrefix)]);
    if (filter.after) conditions.push(['(created_at > ? OR (created_at = ? AND id > ?))', filter.after.createdAt]);
    const where = conditions.map(([sql]) => sql);
    const args = conditions.map(([, value]) => value);
    if (filter.after) args.push(filter.after.createdAt, filter.after.id);
    // a page (the cursor) is ordered by (created_at, id); the rest keeps insertion order
    const order = filter.after ? 'created_at, id' : `created_at, ${this.db.seq}`;
    const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${order} LIMIT ${Math.max(1, Math.floor(filter.limit ?? 1000))}`;
    return (await this.db.all<JobRow>(sql, args)).map(toJob);
  }

  async listPushes(filter: PushFilter = {}): Promise<PushRecord[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (filter.repo) {
      where.push('repo = ?');
      args.push(filter.repo);
    }
    if (filter.after) {
      where.push('(created_at < ? OR (created_at = ? AND id < ?))');
      args.push(filter.after.createdAt, filter.after.createdAt, filter.after.id);
    }
    const rows = await this.db.all<PushRow>(
      `SELECT id, repo, node, node_last, heads, actor, source, created_at FROM pushes ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY created_at DESC, id DESC LIMIT ${Math.max(1, Math.floor(filter.limit ?? 100))}`,
      args,
    );
    return rows.map(toPush);
  }

  async processedHeads(repo: string, among?: string[]): Promise<string[]> {
    if (among === undefined)
      return (await this.db.all<{ node: string }>('SELECT node FROM processed_heads WHERE repo = ?', [repo])).map((r) => r.node);
    const found: string[] = [];
    for (const node of among) {
      if (await this.db.get('SELECT 1 AS hit FROM processed_heads WHERE repo = ? AND node = ?', [repo, node])) found.push(node);
    }
    return found;
  }

  async getPush(id: string): Promise<PushRecord | null> {
    const row = await this.db.get<PushRow>('SELECT id, repo, node, node_last, heads, actor, source, created_at FROM pushes WHERE id = ?', [
      id,
    ]);
    return row ? toPush(row) : null;
  }

  async jobsOfHead(repo: string, rev: string, db: SqlDriver = this.db): Promise<StoredJob[]> {
    return (
      await db.all<JobRow>(`SELECT ${JOB_COLUMNS} FROM jobs WHERE repo = ? AND rev = ? ORDER BY created_at, ${this.db.seq}`, [repo, rev])
    ).map(toJob);
  }

  private async setStatus(tx: SqlDriver, id: string, status: JobStatus, reason: string | null, at: string): Promise<void> {
    await tx.run('UPDATE jobs SET status = ?, reason = ?, updated_at = ? WHERE id = ?', [status, reason, at, id]);
  }

  /** Every live token of a job dies: after a replay, a lease expiry, a cancel or a retry. */
  private async killTokens(tx: SqlDriver, jobId: string): Promise<void> {
    await tx.run("UPDATE tokens SET state = 'dead' WHERE job_id = ? AND state = 'live' AND kind != 'done'", [jobId]);
    await tx.run('UPDATE jobs SET token = NULL, token_exp = NULL WHERE id = ?', [jobId]);
  }

  private async markUpstreamFailed(tx: SqlDriver, job: StoredJob, at: string): Promise<string[]> {
    const head = await this.jobsOfHead(job.repo, job.rev, tx);
    const down = dependentsOf(job.id, head).filter((id) => {
      const s = head.find((j) => j.id === id)!.status;
      return s === 'pending' || s === 'ready';
    });
    for (const id of down) {
      await this.killTokens(tx, id);
      await this.setStatus(
        tx,
        id,
        'upstream_failed',
        `upstream job ${job.id} ${job.status === 'cancelled' ? 'was cancelled' : 'failed'}`,
        at,
      );
    }
    return down;
  }

  /** Locks the head a job belongs to for the rest of the transaction. */
  private async lockHeadOf(tx: SqlDriver, jobId: string): Promise<void> {
    const row = await tx.get<{ repo: string; rev: string }>('SELECT repo, rev FROM jobs WHERE id = ?', [jobId]);
    if (row) await tx.lock(`head:${row.repo}:${row.rev}`);
  }

  /** One token exchange: first what the presentation means (a refusal, a retry, a replay), then its transition. */
  async exchange(req: ExchangeRequest): Promise<ExchangeResult> {
    return this.db.transaction(async (tx): Promise<ExchangeResult> => {
      await this.lockHeadOf(tx, req.jobId);
      const at = new Date(req.now * 1000).toISOString();
      const token = await tx.get<TokenDbRow>(`SELECT * FROM tokens WHERE jti = ?${tx.forUpdate}`, [req.jti]);
      const job = await this.getJob(req.jobId, tx);
      const reservation =
        req.transition === 'claim'
          ? await tx.get<Reservation>('SELECT reserved_by, reserved_until FROM jobs WHERE id = ?', [req.jobId])
          : undefined;
      const verdict = judgeExchange(token, job, reservation, req);
      if (verdict.kind === 'refused') return { ok: false, reason: verdict.reason, job };
      if (verdict.kind === 'retry') return { ok: true, retry: true, job: verdict.job, ...verdict.answer };
      if (verdict.kind === 'replay') return { ok: false, reason: 'replay', job: await this.applyReplay(tx, verdict.job, req.now, at) };
      const effects = await this.applyTransition(tx, verdict.job, req, at);
      await tx.run("UPDATE tokens SET state = 'consumed', consumed_at = ?, consumed_by = ?, transition = ?, answer = ? WHERE jti = ?", [
        req.now,
        req.worker,
        req.transition,
        JSON.stringify({ issued: req.issued, ...effects }),
        req.jti,
      ]);
      await tx.notifyChanged();
      return { ok: true, retry: false, job: (await this.getJob(req.jobId, tx))!, issued: req.issued, ...effects };
    });
  }

  /** A second presentation: kill every token of the job, fail it and its dependents. */
  private async applyReplay(tx: SqlDriver, job: StoredJob, now: number, at: string): Promise<StoredJob | null> {
    await this.killTokens(tx, job.id);
    await this.setStatus(tx, job.id, 'failed', 'token_replay', at);
    await tx.run("UPDATE attempts SET ended_at = ?, outcome = 'token_replay' WHERE job_id = ? AND ended_at IS NULL", [now, job.id]);
    await this.markUpstreamFailed(tx, { ...job, status: 'failed' }, at);
    await tx.notifyChanged();
    return this.getJob(job.id, tx);
  }

  private async applyTransition(tx: SqlDriver, job: StoredJob, req: ExchangeRequest, at: string): Promise<Effects> {
    switch (req.transition) {
      case 'claim':
      case 'heartbeat':
        await this.issue(tx, job.id, req, req.issued, 'running', at);
        await this.applyRunning(tx, job, req, req.issued, at);
        return { released: [], upstreamFailed: [] };
      case 'complete':
        await this.issue(tx, job.id, req, req.issued, 'done', at);
        return { released: await this.applyComplete(tx, job, req, req.issued, at), upstreamFailed: [] };
      case 'fail':
        return { released: [], upstreamFailed: await this.applyFail(tx, job, req, at) };
    }
  }

  /** Records the token handed out; its kind follows from the transition. */
  private async issue(tx: SqlDriver, jobId: string, req: ExchangeRequest, t: IssuedToken, kind: IssuedToken['kind'], at: string) {
    await tx.run("INSERT INTO tokens (jti, job_id, kind, exp, created_at, state, worker, prev) VALUES (?, ?, ?, ?, ?, 'live', ?, ?)", [
      t.jti,
      jobId,
      kind,
      t.exp,
      at,
      req.worker,
      req.jti,
    ]);
  }

  /** claim or heartbeat: the job runs on, under a fresh running token and lease (a claim opens an attempt). */
  private async applyRunning(tx: SqlDriver, job: StoredJob, req: ExchangeRequest, issued: IssuedToken, at: string): Promise<void> {
    const attempts = req.transition === 'claim' ? job.attempts + 1 : job.attempts;
    await tx.run(
      "UPDATE jobs SET status = 'running', attempts = ?, worker = ?, lease_expires = ?, token_jti = ?, token = ?, token_exp = ?, updated_at = ?, reserved_by = NULL, reserved_until = NULL WHERE id = ?",
      [attempts, req.worker, req.now + req.leaseSeconds, issued.jti, issued.token, issued.exp, at, job.id],
    );
    if (req.transition !== 'claim') return;
    await tx.run(
      `INSERT INTO attempts (job_id, attempt, worker, started_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (job_id, attempt) DO UPDATE SET worker = excluded.worker, started_at = excluded.started_at, ended_at = NULL, outcome = NULL, exit_code = NULL, log = NULL`,
      [job.id, attempts, req.worker, req.now],
    );
  }

  /** complete: done, with its receipt; returns the dependents released, inside this transaction. */
  private async applyComplete(tx: SqlDriver, job: StoredJob, req: ExchangeRequest, receipt: IssuedToken, at: string): Promise<string[]> {
    await tx.run(
      "UPDATE jobs SET status = 'done', reason = NULL, lease_expires = NULL, token_jti = ?, token = NULL, token_exp = NULL, updated_at = ? WHERE id = ?",
      [receipt.jti, at, job.id],
    );
    await tx.run("UPDATE attempts SET ended_at = ?, outcome = 'done', exit_code = ?, log = ? WHERE job_id = ? AND attempt = ?", [
      req.now,
      req.outcome?.exitCode ?? 0,
      req.outcome?.log ?? null,
      job.id,
      job.attempts,
    ]);
    const released = await this.releasedBy(tx, job);
    for (const id of released) await this.setStatus(tx, id, 'ready', null, at);
    faultPoint('store:complete');
    return released;
  }

  /** The pending jobs whose upstream jobs are all done now that `job` is (only those that wait for it: a head may hold thousands). */
  private async releasedBy(tx: SqlDriver, job: StoredJob): Promise<string[]> {
    const waiting = await tx.all<{ id: string; requires: string }>(
      "SELECT id, requires FROM jobs WHERE repo = ? AND rev = ? AND status = 'pending' AND requires LIKE ?",
      [job.repo, job.rev, `%"${job.id}"%`],
    );
    const released: string[] = [];
    for (const w of waiting) {
      const requires = JSON.parse(w.requires) as string[];
      const status = new Map<string, JobStatus>([[job.id, 'done']]);
      for (const id of requires) {
        if (id !== job.id)
          status.set(id, (await tx.get<{ status: JobStatus }>('SELECT status FROM jobs WHERE id = ?', [id]))?.status ?? 'pending');
      }
      if (isReleased(requires, (id) => status.get(id))) released.push(w.id);
    }
    return released;
  }

  /** fail: ready again after a backoff while retries allow, else failed; returns the dependents marked upstream_failed. */
  private async applyFail(tx: SqlDriver, job: StoredJob, req: ExchangeRequest, at: string): Promise<string[]> {
    const next = afterFailure(job.attempts, job.definition.retries ?? 0);
    await tx.run('UPDATE attempts SET ended_at = ?, outcome = ?, exit_code = ?, log = ? WHERE job_id = ? AND attempt = ?', [
      req.now,
      'failed',
      req.outcome?.exitCode ?? null,
      req.outcome?.log ?? null,
      job.id,
      job.attempts,
    ]);
    await tx.run(
      'UPDATE jobs SET status = ?, reason = ?, lease_expires = NULL, worker = NULL, not_before = ?, token = NULL, token_exp = NULL, updated_at = ? WHERE id = ?',
      [next, req.outcome?.reason ?? 'task failed', next === 'ready' ? req.now + backoffSeconds(job.attempts) : null, at, job.id],
    );
    return next === 'failed' ? this.markUpstreamFailed(tx, { ...job, status: 'failed' }, at) : [];
  }

  /**
   * For each candidate, one transaction under its head's lock that checks the candidate again
   * (a heartbeat or a claim may have won the race) and changes it; returns those it changed.
   */
  private async eachUnderHeadLock(
    sql: string,
    now: number,
    repos: readonly string[] | undefined,
    change: (tx: SqlDriver, row: { id: string; attempts: number | string }) => Promise<void>,
  ): Promise<string[]> {
    const changed: string[] = [];
    const only = inRepos(repos);
    for (const { id } of await this.db.all<{ id: string }>(`SELECT id FROM jobs WHERE ${sql}${only.sql}`, [now, ...only.args])) {
      const done = await this.db.transaction(async (tx) => {
        await this.lockHeadOf(tx, id);
        const row = await tx.get<{ id: string; attempts: number | string }>(
          `SELECT id, attempts FROM jobs WHERE id = ? AND ${sql}${tx.forUpdate}`,
          [id, now],
        );
        if (!row) return false;
        await change(tx, row);
        await tx.notifyChanged();
        return true;
      });
      if (done) changed.push(id);
    }
    return changed;
  }

  async expireLeases(now: number, repos?: readonly string[]): Promise<string[]> {
    const at = new Date(now * 1000).toISOString();
    return this.eachUnderHeadLock("status = 'running' AND lease_expires < ?", now, repos, async (tx, r) => {
      await this.killTokens(tx, r.id);
      await tx.run(
        "UPDATE jobs SET status = 'ready', worker = NULL, lease_expires = NULL, token_jti = NULL, reason = 'lease expired', updated_at = ? WHERE id = ?",
        [at, r.id],
      );
      await tx.run("UPDATE attempts SET ended_at = ?, outcome = 'lease_expired' WHERE job_id = ? AND attempt = ? AND ended_at IS NULL", [
        now,
        r.id,
        Number(r.attempts),
      ]);
    });
  }

  async expireQueuedTokens(now: number, repos?: readonly string[]): Promise<string[]> {
    const at = new Date(now * 1000).toISOString();
    return this.eachUnderHeadLock("status = 'ready' AND token IS NOT NULL AND token_exp < ?", now, repos, async (tx, r) => {
      await this.killTokens(tx, r.id);
      await this.setStatus(tx, r.id, 'expired', 'the queued token expired before any worker claimed the job', at);
    });
  }

  async nextReady(now: number, limit: number): Promise<StoredJob[]> {
    return (
      await this.db.all<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'ready' AND token IS NOT NULL AND (not_before IS NULL OR not_before <= ?)
      ORDER BY created_at, ${this.db.seq} LIMIT ?`,
        [now, limit],
      )
    ).map(toJob);
  }

  async reserveNext(worker: string, now: number, seconds: number, repos?: readonly string[]): Promise<StoredJob | null> {
    const only = inRepos(repos);
    return this.db.transaction(async (tx) => {
      const row = await tx.get<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'ready' AND token IS NOT NULL AND (not_before IS NULL OR not_before <= ?)
        AND (reserved_by IS NULL OR reserved_by = ? OR reserved_until < ?)${only.sql} ORDER BY created_at, ${tx.seq} LIMIT 1${tx.skipLocked}`,
        [now, worker, now, ...only.args],
      );
      if (!row) return null;
      await tx.run('UPDATE jobs SET reserved_by = ?, reserved_until = ? WHERE id = ?', [worker, now + seconds, row.id]);
      return toJob(row);
    });
  }

  async doneReceipts(jobIds: string[]): Promise<Array<{ job: string; jti: string }>> {
    const out: Array<{ job: string; jti: string }> = [];
    for (const id of jobIds) {
      const row = await this.db.get<{ jti: string }>(
        `SELECT jti FROM tokens WHERE job_id = ? AND kind = 'done' ORDER BY created_at DESC, ${this.db.seq} DESC LIMIT 1`,
        [id],
      );
      if (row) out.push({ job: id, jti: row.jti });
    }
    return out;
  }

  async retryJob(id: string, now: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await this.lockHeadOf(tx, id);
      const job = await this.getJob(id, tx);
      if (!job || !RETRYABLE.has(job.status)) return [];
      const at = new Date(now * 1000).toISOString();
      const head = await this.jobsOfHead(job.repo, job.rev, tx);
      const again = [job.id, ...dependentsOf(job.id, head).filter((d) => head.find((j) => j.id === d)!.status === 'upstream_failed')];
      const status = new Map(head.map((j) => [j.id, j.status] as const));
      for (const jid of again) status.set(jid, 'pending');
      for (const jid of again) {
        const j = head.find((h) => h.id === jid)!;
        const next: JobStatus = isReleased(j.requires, (r) => status.get(r)) ? 'ready' : 'pending';
        await this.killTokens(tx, jid);
        await tx.run(
          'UPDATE jobs SET status = ?, reason = NULL, attempts = 0, worker = NULL, lease_expires = NULL, not_before = NULL, token_jti = NULL, updated_at = ? WHERE id = ?',
          [next, at, jid],
        );
      }
      if (again.length > 0) await tx.notifyChanged();
      return again;
    });
  }

  async cancelJob(id: string, now: number): Promise<string[]> {
    return this.db.transaction(async (tx) => {
      await this.lockHeadOf(tx, id);
      const job = await this.getJob(id, tx);
      if (!job || FINAL.has(job.status)) return [];
      const at = new Date(now * 1000).toISOString();
      await this.killTokens(tx, id);
      await this.setStatus(tx, id, 'cancelled', 'cancelled by an admin', at);
      await tx.run("UPDATE attempts SET ended_at = ?, outcome = 'cancelled' WHERE job_id = ? AND ended_at IS NULL", [now, id]);
      await tx.notifyChanged();
      return [id, ...(await this.markUpstreamFailed(tx, { ...job, status: 'cancelled' }, at))];
    });
  }

  private lastPurge = 0;

  async useAssertion(jti: string, exp: number, now: number): Promise<boolean> {
    // used jtis past their exp are refused by exp alone: drop them, at most once a minute
    if (now - this.lastPurge >= 60 || now < this.lastPurge) {
      this.lastPurge = now;
      await this.db.run('DELETE FROM used_assertions WHERE exp < ?', [now - 60]);
    }
    return (await this.db.run('INSERT INTO used_assertions (jti, exp) VALUES (?, ?) ON CONFLICT DO NOTHING', [jti, exp])) > 0;
  }

  async tokensOf(jobId: string): Promise<TokenRow[]> {
    return (await this.db.all<TokenDbRow>(`SELECT * FROM tokens WHERE job_id = ? ORDER BY ${this.db.seq}`, [jobId])).map((t) => ({
      jti: t.jti,
      jobId: t.job_id,
      kind: t.kind,
      exp: Number(t.exp),
      state: t.state,
      worker: t.worker,
      prev: t.prev,
      createdAt: t.created_at,
      consumedAt: num(t.consumed_at),
      transition: t.transition,
    }));
  }

  async attemptsOf(jobId: string): Promise<AttemptRow[]> {
    return (await this.db.all<Record<string, unknown>>('SELECT * FROM attempts WHERE job_id = ? ORDER BY attempt', [jobId])).map((a) => ({
      jobId: a['job_id'] as string,
      attempt: Number(a['attempt']),
      worker: a['worker'] as string,
      startedAt: Number(a['started_at']),
      endedAt: num(a['ended_at'] as number | null),
      outcome: (a['outcome'] as string | null) ?? null,
      exitCode: num(a['exit_code'] as number | null),
      log: (a['log'] as string | null) ?? null,
    }));
  }
}
