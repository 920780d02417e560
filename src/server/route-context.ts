// What every route group of the service is given: the configuration, the store, the exchange and the service's bounds.
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobService } from '../exchange/job-service.js';
import type { JobStore } from '../store/store-types.js';
import type { WaiterGate } from './limits.js';

export interface RouteContext {
  config: TaskgateConfig;
  store: JobStore;
  service: JobService;
  /** The repository, for the changesets of a lineage. */
  root: string;
  /** The URL the service listens on, known once it listens. */
  baseUrl: () => string;
  now: () => Date;
  /** The cap on concurrent long polls, and the signal that ends them when the service closes. */
  waiters: WaiterGate;
}
