import type pg from 'pg';
import type { AuditStorage } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-log.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { CHANGED_CHANNEL, PostgresDriver, READY_CHANNEL } from './postgres-driver.js';
import { safeUrl } from './safe-url.js';
import { waitUntil } from './wait.js';
import { SqlJobStore } from './sql-job-store.js';

/**
 * Migrations, versioned in code: `taskgate_schema.version` records how many have run. Each is
 * applied in one transaction under an advisory lock, so that two hosts starting at once apply
 * it once. The columns mean what they mean in SQLite; `seq` orders rows as SQLite's rowid does.
 */
export const PG_MIGRATIONS = [
  `CREATE TABLE pushes (
     id TEXT PRIMARY KEY, repo TEXT NOT NULL, node TEXT NOT NULL, node_last TEXT NOT NULL, heads TEXT NOT NULL,
     actor TEXT NOT NULL, source TEXT NOT NULL, created_at TEXT NOT NULL);
   CREATE TABLE processed_heads (repo TEXT NOT NULL, node TEXT NOT NULL, push_id TEXT NOT NULL, PRIMARY KEY (repo, node));
   CREATE TABLE jobs (
     seq BIGSERIAL UNIQUE, id TEXT PRIMARY KEY, repo TEXT NOT NULL, rev TEXT NOT NULL, branch TEXT NOT NULL, task TEXT NOT NULL,
     definition TEXT NOT NULL, requires TEXT NOT NULL, push_id TEXT NOT NULL, push TEXT NOT NULL, actor TEXT NOT NULL,
     reasons TEXT NOT NULL, files_matched INTEGER NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL,
     created_at TEXT NOT NULL, updated_at TEXT NOT NULL, spec TEXT NOT NULL,
     token_jti TEXT, token TEXT, token_exp BIGINT, worker TEXT, lease_expires BIGINT, not_before BIGINT, reason TEXT,
     reserved_by TEXT, reserved_until BIGINT);
   CREATE INDEX jobs_status ON jobs (status);
   CREATE INDEX jobs_head ON jobs (repo, rev);
   CREATE INDEX jobs_push ON jobs (push_id);
   CREATE TABLE tokens (
     seq BIGSERIAL UNIQUE, jti TEXT PRIMARY KEY, job_id TEXT NOT NULL, kind TEXT NOT NULL, exp BIGINT NOT NULL, created_at TEXT NOT NULL,
     state TEXT NOT NULL DEFAULT 'live', worker TEXT, prev TEXT, consumed_at BIGINT, consumed_by TEXT, transition TEXT, answer TEXT);
   CREATE INDEX tokens_job ON tokens (job_id);
   CREATE TABLE attempts (job_id TEXT NOT NULL, attempt INTEGER NOT NULL, worker TEXT NOT NULL, started_at BIGINT NOT NULL,
     ended_at BIGINT, outcome TEXT, exit_code INTEGER, log TEXT, PRIMARY KEY (job_id, attempt));
   CREATE TABLE audit_log (seq BIGINT PRIMARY KEY, record TEXT NOT NULL);
   CREATE TABLE audit_head (id INTEGER PRIMARY KEY CHECK (id = 1), seq BIGINT NOT NULL, hash TEXT NOT NULL);`,
];

function storeError(url: string, error: unknown): TaskgateError {
  const e = error as { code?: string; message?: string };
  const unreachable =
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001'].includes(e.code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message ?? '');
  if (unreachable) {
    return new TaskgateError(
      'ERR_STORE_UNAVAILABLE',
      `the job store ${safeUrl(url)} cannot be reached: ${e.code ?? e.message}`,
      'start PostgreSQL or fix store.url; pushes keep landing and their jobs wait in the outbox until `taskgate reconcile`',
      { cause: error },
    );
  }
  return new TaskgateError(
    'ERR_STORE_UNAVAILABLE',
    `the job store ${safeUrl(url)} failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}`,
    'check the database and its permissions; `taskgate doctor` says more',
    { cause: error },
  );
}

export interface PostgresOptions {
  url: string;
  /** Connection pool size. */
  poolSize?: number;
}

/** A pool of connections; pg is loaded only by a postgres deployment, never on the SQLite path. */
async function connect(url: string, max: number): Promise<pg.Pool> {
  const { default: driver } = await import('pg');
  const pool = new driver.Pool({ connectionString: url, max, connectionTimeoutMillis: 5000 });
  // an idle client that loses its server must not crash the process
  pool.on('error', () => undefined);
  return pool;
}

/** Applies every migration not yet applied; returns the versions before and after. */
export async function migratePostgres(pool: pg.Pool): Promise<{ from: number; to: number }> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('taskgate:migrate', 0))");
    await client.query('CREATE TABLE IF NOT EXISTS taskgate_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    await client.query('INSERT INTO taskgate_schema (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING');
    const from = Number((await client.query('SELECT version FROM taskgate_schema WHERE id = 1')).rows[0].version);
    if (from > PG_MIGRATIONS.length) {
      throw new TaskgateError(
        'ERR_STORE_SCHEMA',
        `the job store's schema is version ${from}, newer than this taskgate knows (${PG_MIGRATIONS.length})`,
        'upgrade taskgate on this host to the version the other hosts run',
      );
    }
    for (let i = from; i < PG_MIGRATIONS.length; i++) await client.query(PG_MIGRATIONS[i]!);
    await client.query('UPDATE taskgate_schema SET version = $1 WHERE id = 1', [PG_MIGRATIONS.length]);
    await client.query('COMMIT');
    return { from, to: PG_MIGRATIONS.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function schemaVersion(pool: pg.Pool): Promise<number> {
  const r = await pool.query("SELECT to_regclass('taskgate_schema') AS t");
  if (!r.rows[0].t) return 0;
  return Number((await pool.query('SELECT version FROM taskgate_schema WHERE id = 1')).rows[0]?.version ?? 0);
}

/** The audit chain in the database: records in `audit_log`, the head in one row locked by each append. */
function auditStorage(pool: pg.Pool, url: string): AuditStorage {
  const driver = new PostgresDriver(pool);
  return {
    name: `the audit_log table of ${safeUrl(url)}`,
    appendLocked: (build) =>
      driver.transaction(async (tx) => {
        // the head row exists from the first append on; taking its lock serializes writers
        await tx.run("INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '') ON CONFLICT DO NOTHING");
        const head = (await tx.get<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE'))!;
        const record: AuditRecord = build(Number(head.seq) === 0 ? null : { seq: Number(head.seq), hash: head.hash });
        await tx.run('INSERT INTO audit_log (seq, record) VALUES (?, ?)', [record.seq, JSON.stringify(record)]);
        await tx.run('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1', [record.seq, record.hash]);
        return record;
      }),
    lines: async () => (await driver.all<{ record: string }>('SELECT record FROM audit_log ORDER BY seq')).map((r) => r.record),
    head: async () => {
      const h = await driver.get<{ seq: string; hash: string }>('SELECT seq, hash FROM audit_head WHERE id = 1');
      return h && Number(h.seq) > 0 ? { seq: Number(h.seq), hash: h.hash } : null;
    },
  };
}

interface Listener {
  client: pg.Client | null;
  waiters: Set<() => void>;
  /** Those waiting for any change of a job (the live pages' one loop), apart from idle workers. */
  changeWaiters: Set<() => void>;
}

/** Waits for a NOTIFY on the ready (or the changed) channel, on one listening connection opened on first use. */
async function waitForNotify(listener: Listener, url: string, ms: number, signal?: AbortSignal, change = false): Promise<void> {
  if (!listener.client) {
    const { default: driver } = await import('pg');
    const client = new driver.Client({ connectionString: url });
    client.on('error', () => {
      listener.client = null;
    });
    client.on('notification', (msg) => {
      for (const wake of [...(msg.channel === CHANGED_CHANNEL ? listener.changeWaiters : listener.waiters)]) wake();
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${READY_CHANNEL}`);
      await client.query(`LISTEN ${CHANGED_CHANNEL}`);
      listener.client = client;
    } catch {
      // no listener: the timer alone wakes the worker
      await client.end().catch(() => undefined);
    }
  }
  await waitUntil(ms, signal, change ? listener.changeWaiters : listener.waiters);
}

/** The distributed store (DESIGN §9): PostgreSQL through pg. */
export class PostgresStore extends SqlJobStore {
  private constructor(pool: pg.Pool, url: string, listener: Listener) {
    super({
      backend: 'postgres',
      driver: new PostgresDriver(pool),
      describeError: (error) => storeError(url, error),
      auditStorage: auditStorage(pool, url),
      waitForWork: (ms, signal) => waitForNotify(listener, url, ms, signal),
      waitForChange: (ms, signal) => waitForNotify(listener, url, ms, signal, true),
      onClose: async () => {
        await listener.client?.end().catch(() => undefined);
      },
    });
  }

  /** Opens the store, applying pending migrations first (under a lock; a newer schema is refused). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = await connect(options.url, options.poolSize ?? 4);
    try {
      if ((await schemaVersion(pool)) !== PG_MIGRATIONS.length) await migratePostgres(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof TaskgateError) throw error;
      throw storeError(options.url, error);
    }
    return new PostgresStore(pool, options.url, { client: null, waiters: new Set(), changeWaiters: new Set() });
  }

  /** `taskgate store migrate`: applies what is missing; returns the versions before and after. */
  static async migrate(url: string): Promise<{ from: number; to: number }> {
    const pool = await connect(url, 1);
    try {
      return await migratePostgres(pool);
    } catch (error) {
      if (error instanceof TaskgateError) throw error;
      throw storeError(url, error);
    } finally {
      await pool.end().catch(() => undefined);
    }
  }
}
