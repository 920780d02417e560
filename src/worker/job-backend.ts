// The seam between a worker and the token exchange: in process, or over HTTP.
import type { Claimed, Completed, Failed, Outcome } from '../exchange/exchange-types.js';
import type { JobRecord } from '../jobs/job-types.js';

/** Where a worker gets jobs and exchanges tokens: the store in process (SQLite), or `taskgate serve` over HTTP. */
export interface JobBackend {
  claim(worker: string): Promise<Claimed | null>;
  /** The new running token; throws when the exchange is refused (the lease is lost). */
  heartbeat(worker: string, token: string): Promise<string>;
  /** The done receipt; throws when the exchange is refused. */
  complete(worker: string, token: string, outcome: Outcome): Promise<Completed>;
  /** The job's status after the failure (ready again for a retry, or failed). */
  fail(worker: string, token: string, outcome: Outcome): Promise<Failed>;
  /** The job's exact revision, files only, into the folder `dest` (with the job's current running token). */
  source(worker: string, token: string, job: JobRecord, dest: string): Promise<void>;
  /** Whether any job still waits or runs (`--once` stops when none does). */
  open(): Promise<boolean>;
  /**
   * Sends a piece of a running job's log, from `offset`, with the job's current running token;
   * answers where the service's copy ends. Only a remote worker has it: in process, the log is
   * written where the service reads it, and nothing travels.
   */
  appendLog?(worker: string, token: string, jobId: string, offset: number, data: Buffer): Promise<{ offset: number; cut: boolean }>;
  /** Waits, when no job was ready, until one may be (PostgreSQL NOTIFY through the store or the service), at most `ms`. */
  idle(ms: number, signal?: AbortSignal): Promise<void>;
}
