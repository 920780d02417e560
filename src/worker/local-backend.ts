// The in-process backend: the worker calls the exchange directly (the SQLite store on the hg server).
import type { Claimed, Completed, Failed, Outcome } from '../exchange/exchange-types.js';
import type { JobService } from '../exchange/job-service.js';
import { archiveRevision } from '../hg/archive.js';
import type { JobRecord } from '../jobs/job-types.js';
import type { JobBackend } from './job-backend.js';

/** The in-process backend of the SQLite store: the worker and the exchange share the hg server. */
export class LocalBackend implements JobBackend {
  constructor(
    private readonly service: JobService,
    /** The central repository: sources come from it, the job's token needs no check in process. */
    private readonly root: string,
  ) {}

  source(_worker: string, _token: string, job: JobRecord, dest: string): Promise<void> {
    return archiveRevision(this.root, job.rev, dest);
  }

  claim(worker: string): Promise<Claimed | null> {
    return this.service.claim(worker);
  }

  heartbeat(worker: string, token: string): Promise<string> {
    return this.service.heartbeat(worker, token);
  }

  complete(worker: string, token: string, outcome: Outcome): Promise<Completed> {
    return this.service.complete(worker, token, outcome);
  }

  fail(worker: string, token: string, outcome: Outcome): Promise<Failed> {
    return this.service.fail(worker, token, outcome);
  }

  idle(ms: number, signal?: AbortSignal): Promise<void> {
    return this.service.store.waitForWork(ms, signal);
  }

  async open(): Promise<boolean> {
    await this.service.housekeeping();
    return this.service.open();
  }
}
