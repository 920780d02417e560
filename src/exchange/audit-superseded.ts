/** `job.superseded` in the audit trail, one record per job a newer push's job cancelled (DESIGN §14). */
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobStore, SupersededJob } from '../store/store-types.js';
import { jobAuditTrail } from './audit-trail.js';

export async function auditSuperseded(
  config: TaskgateConfig,
  store: JobStore,
  superseded: SupersededJob[],
  now: () => Date,
): Promise<void> {
  const trail = jobAuditTrail(config, store);
  for (const s of superseded)
    await trail.append(
      'job.superseded',
      { job: s.job, task: s.task, rev: s.rev, by: s.by, reason: 'superseded', status: 'cancelled' },
      now,
    );
}
