// Opens the store the configuration names: SQLite, or PostgreSQL (pg loaded only then).
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { SqliteStore } from './sqlite-store.js';
import type { JobStore } from './store-types.js';

/** The store the configuration names; PostgreSQL (and pg) only when it names postgres. */
export async function openStore(config: TaskgateConfig): Promise<JobStore> {
  if (config.store.backend === 'postgres') {
    if (!config.store.url) {
      throw new TaskgateError(
        'ERR_CONFIG_INVALID',
        'store.backend is postgres but store.url is not set',
        'set "store": { "backend": "postgres", "url": "postgres://user@host/db" } (the password in PGPASSWORD or ~/.pgpass)',
      );
    }
    const { PostgresStore } = await import('./postgres-store.js');
    return PostgresStore.open({ url: config.store.url });
  }
  return new SqliteStore(config.store.path ?? `${config.source.root}/.hg/taskgate/jobs.db`);
}
