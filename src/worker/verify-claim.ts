/** A remote worker trusts nothing the service says (DESIGN §14): the running token it is handed must verify and match the job. */
import { readFileSync } from 'node:fs';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { specDigest } from '../jobs/job-spec.js';
import type { Claimed } from '../exchange/exchange-types.js';
import type { Jwks } from '../tokens/token-types.js';
import { verifyJobToken } from '../tokens/verify-token.js';

export type ClaimVerifier = (worker: string, claimed: Claimed) => Promise<void>;

function refuse(what: string): never {
  throw new TaskgateError(
    'ERR_TOKEN_INVALID',
    `the claimed job was refused: ${what}`,
    'the service is not the one worker.trust pins, or a job row was altered: nothing was run',
  );
}

/** Checks the running token against the pinned JWKS: its kind, its holder (act.sub), and its job, revision and spec digest. */
export function claimVerifier(trust: NonNullable<TaskgateConfig['worker']['trust']>, defaultAudience: string): ClaimVerifier {
  let jwks: Jwks;
  try {
    jwks = JSON.parse(readFileSync(trust.jwks, 'utf8')) as Jwks;
  } catch (error) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `worker.trust.jwks ${trust.jwks} cannot be read: ${(error as Error).message}`,
      'write it with `taskgate keys worker NAME --out KEY --trust FILE` on the server',
    );
  }
  return async (worker, claimed) => {
    const { job } = claimed;
    const v = await verifyJobToken(claimed.token, jwks, {
      issuer: trust.issuer,
      audience: trust.audience ?? defaultAudience,
      kinds: ['running'],
    }).catch((error: Error) => refuse(`its running token does not verify: ${error.message}`));
    const c = v.claims;
    if ((c['act'] as { sub?: unknown } | undefined)?.sub !== worker) refuse(`its running token is not held by ${worker}`);
    if (c['job'] !== job.id) refuse(`its running token is for job ${String(c['job'])}, not ${job.id}`);
    if (c['rev'] !== job.rev || c['repo'] !== job.repo || c['task'] !== job.task)
      refuse(`its running token is for another revision or task than job ${job.id}`);
    if (c['spec'] !== specDigest(job.repo, job.rev, job.task, job.definition))
      refuse(`job ${job.id} is not the job its token was signed for (spec)`);
  };
}
