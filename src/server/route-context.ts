// What every route group of the service is given: the configuration, the store and the exchange.
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobService } from '../exchange/job-service.js';
import type { JobStore, StoredJob } from '../store/store-types.js';

export interface RouteContext {
  config: TaskgateConfig;
  store: JobStore;
  service: JobService;
  /** The repository, for the changesets of a lineage. */
  root: string;
  /** The URL the service listens on, known once it listens. */
  baseUrl: () => string;
  now: () => Date;
}

/** A job as the read APIs show it: never its token. */
export function publicJob(job: StoredJob): Omit<StoredJob, 'token'> {
  const { token: _token, ...rest } = job;
  return rest;
}
