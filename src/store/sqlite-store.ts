import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { TaskgateError } from '../errors/taskgate-error.js';
import { SqlJobStore } from './sql-job-store.js';
import { SqliteDriver } from './sqlite-driver.js';

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
  // the pushes page reads the newest pushes first; the live pages' loop reads the jobs changed since its last look
  `CREATE INDEX IF NOT EXISTS pushes_created ON pushes (created_at, id);
   CREATE INDEX IF NOT EXISTS jobs_updated ON jobs (updated_at, id);`,
];

function storeError(path: string, error: unknown): TaskgateError {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new TaskgateError(
      'ERR_STORE_CORRUPT',
      `the job store ${path} is damaged (${code})`,
      'move it aside and run `taskgate reconcile` to rebuild the jobs of unprocessed pushes; restore it from a backup for the history',
    );
  }
  return new TaskgateError(
    'ERR_STORE_UNAVAILABLE',
    `the job store ${path} cannot be opened or written: ${(error as Error).message}`,
    'check the permissions and free space of .hg/taskgate/; jobs wait in the outbox until `taskgate reconcile`',
    { cause: error },
  );
}

/** The embedded store (DESIGN §9): one SQLite file in WAL mode; writes under BEGIN IMMEDIATE. */
export class SqliteStore extends SqlJobStore {
  constructor(path: string) {
    let db: Database.Database;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path);
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      migrate(db);
    } catch (error) {
      throw storeError(path, error);
    }
    // the audit chain of a SQLite deployment is the audit file (src/audit)
    super({
      backend: 'sqlite',
      driver: new SqliteDriver(db, resolve(path)),
      describeError: (error) => storeError(path, error),
      auditStorage: null,
    });
  }
}

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= MIGRATIONS.length) return;
  db.transaction(() => {
    const current = db.pragma('user_version', { simple: true }) as number;
    for (let i = current; i < MIGRATIONS.length; i++) db.exec(MIGRATIONS[i]!);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}
