import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { SqliteStore } from './sqlite-store.js';
import type { JobStore } from './store-types.js';

/** The store the configuration names. */
export function openStore(config: TaskgateConfig): JobStore {
  if (config.store.backend === 'sqlite') return new SqliteStore(config.store.path ?? `${config.source.root}/.hg/taskgate/jobs.db`);
  throw new TaskgateError('ERR_STORE_BACKEND', `store backend ${config.store.backend} is not available in this version of taskgate`,
    'use { "backend": "sqlite" } in the store section of the configuration');
}
