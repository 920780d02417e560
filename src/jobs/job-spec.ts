// What a job runs (task definition, revision, command) and the digest of it that the job's tokens carry as `spec`.
import { createHash } from 'node:crypto';
import { canonicalJson } from '../config/canonical-json.js';
import type { TaskDefinition } from '../manifest/manifest-types.js';

/** What a job runs: the task definition, the revision and the command. */
export function jobSpec(repo: string, rev: string, task: string, definition: TaskDefinition): Record<string, unknown> {
  return { repo, rev, task, definition, run: definition.run };
}

/** sha256 of the canonical job spec, carried by the job's tokens as `spec`. */
export function specDigest(repo: string, rev: string, task: string, definition: TaskDefinition): string {
  return createHash('sha256')
    .update(canonicalJson(jobSpec(repo, rev, task, definition)))
    .digest('hex');
}
