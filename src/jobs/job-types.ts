// The shapes of a job: its statuses, the actor who pushed (DESIGN §5), the push it came from, the job record itself.
import type { AffectedReason } from '../manifest/affected.js';
import type { TaskDefinition } from '../manifest/manifest-types.js';

export type JobStatus = 'pending' | 'ready' | 'running' | 'done' | 'failed' | 'upstream_failed' | 'cancelled' | 'expired';

/** Who pushed, as the gate resolved it (DESIGN §5). */
export interface JobActor {
  sub: string | null;
  via: 'ssh' | 'http' | 'local' | 'unknown';
  groups: string[];
}

/** The push a job came from. */
export interface PushRef {
  /** HG_TXNID, or a synthetic id for pushes found by reconcile. */
  id: string;
  node: string;
  nodeLast: string;
}

/** One job: one (repository, head node, task). */
export interface JobRecord {
  id: string;
  repo: string;
  rev: string;
  branch: string;
  task: string;
  definition: TaskDefinition;
  /** Ids of the affected upstream jobs of the same head. */
  requires: string[];
  push: PushRef;
  actor: JobActor;
  reasons: AffectedReason[];
  filesMatched: number;
  status: JobStatus;
  attempts: number;
  createdAt: string;
  updatedAt: string;
  /** sha256 of the canonical job spec: a row altered in the store no longer matches its token. */
  spec: string;
  tokenJti: string | null;
}
