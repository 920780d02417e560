// The embedded store (DESIGN §9): one SQLite file in WAL mode, its addon found even from a hook bundle (DESIGN §13).
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import { TaskgateError } from '../errors/taskgate-error.js';
import { SqlJobStore } from './sql-job-store.js';
import type { SchemaVersions } from './store-types.js';
import { SQLITE_MIGRATIONS } from './store-layout.js';
import { SqliteDriver } from './sqlite-driver.js';

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

/**
 * better-sqlite3's compiled addon, found from better-sqlite3's own folder. The hook bundles carry
 * its JavaScript (DESIGN §13), where `bindings` would search from the bundle's folder instead:
 * so the usual place is tried first, then `bindings` rooted at better-sqlite3.
 */
function nativeAddon(): Database.Options {
  const from = createRequire(import.meta.url);
  try {
    return { nativeBinding: from.resolve('better-sqlite3/build/Release/better_sqlite3.node') };
  } catch {
    const root = dirname(from.resolve('better-sqlite3/package.json'));
    const bindings = from('bindings') as (options: { bindings: string; module_root: string }) => unknown;
    // better-sqlite3 takes the loaded addon itself too (lib/database.js); its types name the path only
    return { nativeBinding: bindings({ bindings: 'better_sqlite3.node', module_root: root }) as string };
  }
}

/** The embedded store (DESIGN §9): one SQLite file in WAL mode; writes under BEGIN IMMEDIATE. */
export class SqliteStore extends SqlJobStore {
  constructor(path: string) {
    let db: Database.Database;
    let migrated: SchemaVersions;
    try {
      mkdirSync(dirname(path), { recursive: true });
      db = new Database(path, nativeAddon());
      db.pragma('journal_mode = WAL');
      db.pragma('busy_timeout = 5000');
      db.pragma('synchronous = NORMAL');
      migrated = migrate(db);
    } catch (error) {
      throw storeError(path, error);
    }
    // the audit chain of a SQLite deployment is the audit file (src/audit)
    super({
      backend: 'sqlite',
      description: `sqlite ${resolve(path)}`,
      migrated,
      driver: new SqliteDriver(db, resolve(path)),
      describeError: (error) => storeError(path, error),
      auditStorage: null,
    });
  }
}

function migrate(db: Database.Database): SchemaVersions {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version >= SQLITE_MIGRATIONS.length) return { from: version, to: version };
  return db
    .transaction(() => {
      const from = db.pragma('user_version', { simple: true }) as number;
      for (let i = from; i < SQLITE_MIGRATIONS.length; i++) db.exec(SQLITE_MIGRATIONS[i]!);
      db.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
      return { from, to: SQLITE_MIGRATIONS.length };
    })
    .immediate();
}
