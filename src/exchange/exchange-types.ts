// What the token exchange hands a worker and takes back from it (DESIGN §8, §10).
import type { JobRecord } from '../jobs/job-types.js';

export interface Claimed {
  job: JobRecord;
  /** The running token: presented for heartbeat, complete or fail. */
  token: string;
  /** TASKGATE_TOKEN for the task's process: no exchange accepts it. */
  taskToken: string;
  leaseSeconds: number;
  heartbeatSeconds: number;
}

/** What a worker reports of a run. */
export interface Outcome {
  exitCode?: number | null;
  /** Accepted from older workers and not kept: a log is named by job and attempt on the store's host. */
  log?: string | null;
  reason?: string | null;
}

/** The answer to a completion: the done receipt, and the dependents it released. */
export interface Completed {
  receipt: string;
  released: string[];
}

/** The answer to a failure: the job's status after it (ready again for a retry, or failed), and the dependents it failed. */
export interface Failed {
  status: JobRecord['status'];
  upstreamFailed: string[];
}
