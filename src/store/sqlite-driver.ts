// better-sqlite3 behind the async SQL driver: BEGIN IMMEDIATE write transactions, queued per database file in this process.
import type Database from 'better-sqlite3';
import type { SqlDriver } from './sql-driver.js';

/** The last transaction queued on each database file in this process. */
const QUEUES = new Map<string, Promise<unknown>>();

/**
 * better-sqlite3 behind the async driver. Statements run synchronously; a write transaction
 * holds BEGIN IMMEDIATE (other processes wait on busy_timeout) and a queue per database file
 * in this process: two requests of one `taskgate serve`, or two connections to one file, never
 * interleave, and a connection never blocks the thread waiting for another that cannot run.
 */
export class SqliteDriver implements SqlDriver {
  readonly engine = 'sqlite' as const;
  readonly seq = 'rowid';
  readonly forUpdate = '';
  readonly skipLocked = '';
  private readonly statements = new Map<string, Database.Statement>();

  constructor(
    private readonly db: Database.Database,
    private readonly file: string,
  ) {}

  /** A prepared statement, prepared once per store. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  // SQLite answers synchronously; `async` keeps the driver's contract (a failure is a rejection, never a throw)
  // eslint-disable-next-line @typescript-eslint/require-await
  async all<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    return this.stmt(sql).all(...params) as T[];
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- as all()
  async get<T>(sql: string, params: unknown[] = []): Promise<T | undefined> {
    return this.stmt(sql).get(...params) as T | undefined;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- as all()
  async run(sql: string, params: unknown[] = []): Promise<number> {
    return this.stmt(sql).run(...params).changes;
  }

  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T> {
    const next = (QUEUES.get(this.file) ?? Promise.resolve()).then(async () => {
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this);
        this.db.exec('COMMIT');
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw error;
      }
    });
    const settled = next.catch(() => undefined);
    QUEUES.set(this.file, settled);
    void settled.then(() => {
      if (QUEUES.get(this.file) === settled) QUEUES.delete(this.file);
    });
    return next;
  }

  async lock(): Promise<void> {}

  async notifyReady(): Promise<void> {}

  async notifyChanged(): Promise<void> {}

  // eslint-disable-next-line @typescript-eslint/require-await -- as all()
  async close(): Promise<void> {
    this.db.close();
  }
}
