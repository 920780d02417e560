// The distributed store (DESIGN §9): PostgreSQL through a pg pool, its migrations, its audit chain in the database, LISTEN for waiters.
import type pg from 'pg';
import type { AuditStorage } from '../audit/audit-chain.js';
import type { AuditRecord } from '../audit/audit-log.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { CHANGED_CHANNEL, PostgresDriver, READY_CHANNEL } from './postgres-driver.js';
import { engineMessage, safeUrl } from './safe-url.js';
import { waitUntil } from './wait.js';
import { SqlJobStore } from './sql-job-store.js';
import type { SchemaVersions } from './store-types.js';
import { POSTGRES_MIGRATIONS } from './store-layout.js';

function storeError(url: string, error: unknown): TaskgateError {
  const e = error as { code?: string; message?: string };
  const unreachable =
    ['ECONNREFUSED', 'ENOTFOUND', 'ETIMEDOUT', 'ECONNRESET', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001'].includes(e.code ?? '') ||
    /Connection terminated|timeout exceeded when trying to connect/i.test(e.message ?? '');
  if (unreachable) {
    return new TaskgateError(
      'ERR_STORE_UNAVAILABLE',
      `the job store ${safeUrl(url)} cannot be reached: ${e.code ?? engineMessage(e.message ?? '')}`,
      'start PostgreSQL or fix store.url; pushes keep landing and their jobs wait in the outbox until `taskgate reconcile`',
      { cause: error },
    );
  }
  return new TaskgateError(
    'ERR_STORE_UNAVAILABLE',
    `the job store ${safeUrl(url)} failed: ${engineMessage(e.message ?? String(error))}${e.code ? ` (${e.code})` : ''}`,
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
export async function migratePostgres(pool: pg.Pool): Promise<SchemaVersions> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('taskgate:migrate', 0))");
    await client.query('CREATE TABLE IF NOT EXISTS taskgate_schema (id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)');
    await client.query('INSERT INTO taskgate_schema (id, version) VALUES (1, 0) ON CONFLICT DO NOTHING');
    const from = Number((await client.query<{ version: number }>('SELECT version FROM taskgate_schema WHERE id = 1')).rows[0]!.version);
    if (from > POSTGRES_MIGRATIONS.length) {
      throw new TaskgateError(
        'ERR_STORE_SCHEMA',
        `the job store's schema is version ${from}, newer than this taskgate knows (${POSTGRES_MIGRATIONS.length})`,
        'upgrade taskgate on this host to the version the other hosts run',
      );
    }
    for (let i = from; i < POSTGRES_MIGRATIONS.length; i++) await client.query(POSTGRES_MIGRATIONS[i]!);
    await client.query('UPDATE taskgate_schema SET version = $1 WHERE id = 1', [POSTGRES_MIGRATIONS.length]);
    await client.query('COMMIT');
    return { from, to: POSTGRES_MIGRATIONS.length };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

async function schemaVersion(pool: pg.Pool): Promise<number> {
  const r = await pool.query<{ t: string | null }>("SELECT to_regclass('taskgate_schema') AS t");
  if (!r.rows[0]?.t) return 0;
  return Number((await pool.query<{ version: number }>('SELECT version FROM taskgate_schema WHERE id = 1')).rows[0]?.version ?? 0);
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
  /** The one listening connection, shared by every waiter; set before its connect resolves, so concurrent waiters never open a second. */
  client: Promise<pg.Client | null> | null;
  waiters: Set<() => void>;
  /** Those waiting for any change of a job (the live pages' one loop), apart from idle workers. */
  changeWaiters: Set<() => void>;
  closed: boolean;
}

/** Opens the listening connection; null when it cannot (the waiters then wake on their timers alone, and a later wait tries again). */
async function openListener(listener: Listener, url: string): Promise<pg.Client | null> {
  const { default: driver } = await import('pg');
  const client = new driver.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  const lost = () => {
    // a later wait opens a new one; this one is gone
    listener.client = null;
    void client.end().catch(() => undefined);
  };
  client.on('error', lost);
  client.on('end', () => {
    if (listener.client && !listener.closed) listener.client = null;
  });
  client.on('notification', (msg) => {
    for (const wake of [...(msg.channel === CHANGED_CHANNEL ? listener.changeWaiters : listener.waiters)]) wake();
  });
  try {
    await client.connect();
    await client.query(`LISTEN ${READY_CHANNEL}`);
    await client.query(`LISTEN ${CHANGED_CHANNEL}`);
    if (listener.closed) throw new Error('closed');
    return client;
  } catch {
    await client.end().catch(() => undefined);
    // not again before this wait is over: a flood of waits while the server is away opens no flood of connections
    setTimeout(() => {
      if (!listener.closed) listener.client = null;
    }, 5000).unref();
    return null;
  }
}

/** Waits for a NOTIFY on the ready (or the changed) channel, on the one listening connection of this store. */
async function waitForNotify(listener: Listener, url: string, ms: number, signal?: AbortSignal, change = false): Promise<void> {
  if (listener.closed) return;
  listener.client ??= openListener(listener, url);
  await waitUntil(ms, signal, change ? listener.changeWaiters : listener.waiters);
}

/** Ends the listening connection and wakes every waiter: a closing service answers them at once. */
async function closeListener(listener: Listener): Promise<void> {
  listener.closed = true;
  for (const wake of [...listener.waiters, ...listener.changeWaiters]) wake();
  const client = await listener.client;
  await client?.end().catch(() => undefined);
}

/** The distributed store (DESIGN §9): PostgreSQL through pg. */
export class PostgresStore extends SqlJobStore {
  private constructor(pool: pg.Pool, url: string, listener: Listener, migrated: SchemaVersions) {
    super({
      backend: 'postgres',
      description: `postgres ${safeUrl(url)}`,
      migrated,
      driver: new PostgresDriver(pool),
      describeError: (error) => storeError(url, error),
      auditStorage: auditStorage(pool, url),
      waitForWork: (ms, signal) => waitForNotify(listener, url, ms, signal),
      waitForChange: (ms, signal) => waitForNotify(listener, url, ms, signal, true),
      onClose: () => closeListener(listener),
    });
  }

  /** Opens the store, applying pending migrations first (under a lock; a newer schema is refused). */
  static async open(options: PostgresOptions): Promise<PostgresStore> {
    const pool = await connect(options.url, options.poolSize ?? 4);
    let migrated: SchemaVersions;
    try {
      const version = await schemaVersion(pool);
      migrated = version === POSTGRES_MIGRATIONS.length ? { from: version, to: version } : await migratePostgres(pool);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof TaskgateError) throw error;
      throw storeError(options.url, error);
    }
    return new PostgresStore(pool, options.url, { client: null, waiters: new Set(), changeWaiters: new Set(), closed: false }, migrated);
  }
}
