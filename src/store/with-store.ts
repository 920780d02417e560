// Opens the configured store for one piece of work and always closes it.
import type { TaskgateConfig } from '../config/config-types.js';
import { openStore } from './open-store.js';
import type { JobStore } from './store-types.js';

/** Runs `work` with the store the configuration names, closing it however `work` ends. */
export async function withStore<T>(config: TaskgateConfig, work: (store: JobStore) => Promise<T>): Promise<T> {
  const store = await openStore(config);
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
