// The job records of one head's affected tasks: pending while an upstream job is not done, else ready.
import type { AffectedTask } from '../manifest/affected.js';
import { jobId } from './job-id.js';
import { specDigest } from './job-spec.js';
import type { JobActor, JobRecord, PushRef } from './job-types.js';

export interface HeadJobsInput {
  repo: string;
  node: string;
  branch: string;
  tasks: AffectedTask[];
  push: PushRef;
  actor: JobActor;
  now: Date;
}

/** The jobs of one head, in the tasks' order: `pending` while an upstream job is not done, else `ready`. */
export function buildHeadJobs(input: HeadJobsInput): JobRecord[] {
  const ids = new Map(input.tasks.map((t) => [t.task, jobId(input.repo, input.node, t.task)] as const));
  const at = input.now.toISOString();
  return input.tasks.map((t) => ({
    id: ids.get(t.task)!,
    repo: input.repo,
    rev: input.node,
    branch: input.branch,
    task: t.task,
    definition: t.definition,
    requires: t.requires.map((r) => ids.get(r)!),
    push: input.push,
    actor: input.actor,
    reasons: t.reasons,
    filesMatched: t.filesMatched,
    status: t.requires.length > 0 ? 'pending' : 'ready',
    attempts: 0,
    createdAt: at,
    updatedAt: at,
    spec: specDigest(input.repo, input.node, t.task, t.definition),
    tokenJti: null,
  }));
}
