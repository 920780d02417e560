// One push as one batch for the store: every head's jobs, and the heads it marks as processed.
import type { RepoConfig } from '../config/config-types.js';
import { buildHeadJobs } from '../jobs/build-jobs.js';
import type { JobActor, PushRef } from '../jobs/job-types.js';
import type { EnqueueBatch, PushRecord } from '../store/store-types.js';
import type { HeadPlan } from './plan-push.js';

/** The batch of a push: the jobs of each head's affected tasks, and the push record naming those heads. */
export function buildBatch(
  config: RepoConfig,
  plans: HeadPlan[],
  push: PushRef,
  actor: JobActor,
  source: PushRecord['source'],
  now: Date,
): EnqueueBatch {
  const repo = config.repo.id;
  const jobs = plans.flatMap((p) => buildHeadJobs({ repo, node: p.node, branch: p.branch, tasks: p.tasks, push, actor, now }));
  return {
    push: {
      id: push.id,
      repo,
      node: push.node,
      nodeLast: push.nodeLast,
      heads: plans.map((p) => p.node),
      actor,
      source,
      createdAt: now.toISOString(),
    },
    jobs,
  };
}
