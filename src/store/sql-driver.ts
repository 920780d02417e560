/**
 * What the store's one implementation of DESIGN §9 needs from an engine. Statements use `?`
 * placeholders and the SQL both SQLite and PostgreSQL speak; the few differences are named here.
 */
export interface SqlDriver {
  readonly engine: 'sqlite' | 'postgres';
  /** The column that orders rows as they were inserted (`rowid`, or a sequence). */
  readonly seq: string;
  /** Appended to a SELECT whose rows the transaction will update: row locks on PostgreSQL, nothing on SQLite (its writers are serialized). */
  readonly forUpdate: string;
  /** Appended to the claim's SELECT: competing workers pass over a locked row instead of waiting for it. */
  readonly skipLocked: string;
  all<T>(sql: string, params?: unknown[]): Promise<T[]>;
  get<T>(sql: string, params?: unknown[]): Promise<T | undefined>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: unknown[]): Promise<number>;
  /** One write transaction: everything or nothing, serialized against the other writers that touch the same head. */
  transaction<T>(work: (tx: SqlDriver) => Promise<T>): Promise<T>;
  /** Takes a lock for the rest of the transaction on one name (a head): no-op where writers are serialized anyway. */
  lock(name: string): Promise<void>;
  /** Tells idle workers there is work (PostgreSQL NOTIFY, sent on commit); no-op elsewhere. */
  notifyReady(): Promise<void>;
  /** Tells open pages a job changed (PostgreSQL NOTIFY on its own channel, sent on commit); no-op elsewhere. */
  notifyChanged(): Promise<void>;
  close(): Promise<void>;
}
