// The claims of each token kind, built in one place from the job they are for (DESIGN §8).
import type { JobRecord } from '../jobs/job-types.js';
import { jobSubject } from './subject.js';
import { TOKEN_SCOPE, type JobClaims, type TokenKind } from './token-types.js';

/** What a token adds to the job's claims: the token it replaces, the worker holding it, the receipts that released it. */
export type ClaimsExtra = Pick<JobClaims, 'prev' | 'act' | 'upstream'>;

/** The claims of a `kind` token for `job`: what the job is, who pushed it, and the scope of the kind. */
export function jobClaims(job: JobRecord, kind: TokenKind, extra: ClaimsExtra = {}): JobClaims {
  return {
    sub: jobSubject(job.repo, job.branch, job.task),
    job: job.id,
    repo: job.repo,
    rev: job.rev,
    branch: job.branch,
    task: job.task,
    spec: job.spec,
    push: { id: job.push.id, node: job.push.node, node_last: job.push.nodeLast },
    actor: { sub: job.actor.sub, via: job.actor.via, groups: job.actor.groups },
    scope: TOKEN_SCOPE[kind],
    ...extra,
  };
}
