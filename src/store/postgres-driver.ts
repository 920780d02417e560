// pg behind the SQL driver: `$n` placeholders, transactions with row and advisory locks retried on conflicts, the NOTIFY channels (DESIGN §9).
import type { Pool, PoolClient } from 'pg';
import type { SqlDriver } from './sql-driver.js';

/** `?` placeholders, as SQLite takes them, to PostgreSQL's `$1, $2, ...` (no statement here has a `?` in a literal). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

const RETRYABLE_CODES = new Set(['40001', '40P01']);

/** One channel wakes idle workers (DESIGN §9: LISTEN/NOTIFY instead of polling). */
export const READY_CHANNEL = 'taskgate_ready';
/** Another tells the service's live pages that a job changed, without waking idle workers. */
export const CHANGED_CHANNEL = 'taskgate_changed';

/** pg behind the driver: statements on the pool, transactions on one client with row and advisory locks. */
export class PostgresDriver implements SqlDriver {
  readonly engine = 'postgres' as const;
  readonly seq = 'seq';
  readonly forUpdate = ' FOR UPDATE';
  readonly skipLocked = ' FOR UPDATE SKIP LOCKED';

  constructor(
    private readonly pool: Pool,
    private readonly client: PoolClient | null = null,
  ) {}

  private get target(): Pool | PoolClient {
    return this.client ?? this.pool;
  }

  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return (await this.target.query(numbered(sql), params)).rows as T[];
  }

  async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return (await this.target.query(numbered(sql), params)).rows[0] as T | undefined;
  }

  async run(sql: string, params: unknown[] = []): Promise<number> {
    return (await this.target.query(numbered(sql), params)).rowCount ?? 0;
  }

  async transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    if (this.client) return work(this);
    // a deadlock or serialization failure is retried: the work is the whole transaction
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      try {
        await client.query('BEGIN');
        const result = await work(new PostgresDriver(this.pool, client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        if (attempt < 5 && RETRYABLE_CODES.has((error as { code?: string }).code ?? '')) continue;
        throw error;
      } finally {
        client.release();
      }
    }
  }

  async lock(name: string): Promise<void> {
    await this.target.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [name]);
  }

  async notifyChanged(): Promise<void> {
    await this.target.query(`SELECT pg_notify('${CHANGED_CHANNEL}', '')`);
  }

  async notifyReady(): Promise<void> {
    // inside a transaction, delivered on commit; several in one transaction fold into one
    await this.target.query(`SELECT pg_notify('${READY_CHANNEL}', '')`);
  }

  async close(): Promise<void> {
    if (!this.client) await this.pool.end();
  }
}
