import type { TaskgateConfig } from '../config/config-types.js';
import { durationSeconds } from '../config/duration.js';
import type { JobStore } from '../store/store-types.js';
import { activeKey, importSigningKey, readKeyFile } from '../tokens/key-store.js';
import { signJobToken } from '../tokens/sign-token.js';
import { jobSubject } from '../tokens/subject.js';
import { TOKEN_SCOPE } from '../tokens/token-types.js';

export interface Minted {
  job: string;
  task: string;
  jti: string;
}

/**
 * Mints the queued token of every ready job that has none (DESIGN §8: a pending job gets
 * its token only when it becomes ready). Safe to repeat: the store takes a token only once.
 */
export async function mintQueuedTokens(store: JobStore, config: TaskgateConfig, now: () => Date = () => new Date()): Promise<Minted[]> {
  const jobs = await store.jobsNeedingToken(config.repo.id);
  if (jobs.length === 0) return [];
  const key = activeKey(readKeyFile(config.tokens.keys));
  const cryptoKey = await importSigningKey(key);
  const ttlSeconds = durationSeconds(config.tokens.ttl.queued, 'tokens.ttl.queued');
  const at = now();
  const signed = await Promise.all(
    jobs.map(async (job) => ({
      job,
      signed: await signJobToken(
        'queued',
        {
          sub: jobSubject(job.repo, job.branch, job.task),
          job: job.id,
          repo: job.repo,
          rev: job.rev,
          branch: job.branch,
          task: job.task,
          spec: job.spec,
          push: { id: job.push.id, node: job.push.node, node_last: job.push.nodeLast },
          actor: { sub: job.actor.sub, via: job.actor.via, groups: job.actor.groups },
          scope: TOKEN_SCOPE.queued,
          upstream: await store.doneReceipts(job.requires),
        },
        key,
        { issuer: config.tokens.issuer, audience: config.tokens.audience, ttlSeconds, now: at, cryptoKey },
      ),
    })),
  );
  const took = new Set(await store.setQueuedTokens(signed.map(({ job, signed: s }) => ({ jobId: job.id, ...s }))));
  return signed.filter(({ job }) => took.has(job.id)).map(({ job, signed: s }) => ({ job: job.id, task: job.task, jti: s.jti }));
}
