// "Why did this run": a job's lineage from its push to its tokens (DESIGN §11).
import type { TaskgateConfig } from '../config/config-types.js';
import { readChangesets } from '../hg/read-push.js';
import type { AffectedReason } from '../manifest/affected.js';
import type { AttemptRow, JobStore, PushRecord, StoredJob, TokenRow } from '../store/store-types.js';
import { gateRecordOf } from './gate-record.js';

interface JobLineage {
  job: { id: string; task: string; rev: string; branch: string; status: string; reason: string | null };
  push: {
    id: string;
    pusher: string | null;
    channel: string;
    groups: string[];
    at: string | null;
    verdict: string | null;
    source: string | null;
  };
  changesets: Array<{ node: string; author: string; description: string; files: string[] }>;
  reasons: AffectedReason[];
  filesMatched: number;
  upstream: Array<{ id: string; task: string; status: string }>;
  /** Attempts without the worker's log path: a reader never sees a server path. */
  attempts: Array<Omit<AttemptRow, 'log'>>;
  tokens: Array<Pick<TokenRow, 'jti' | 'kind' | 'state' | 'prev' | 'worker' | 'createdAt' | 'transition'>>;
}

/** Jobs named by a job id (or a prefix of one), a head node (or a prefix of one) or a push id. */
export async function resolveJobs(store: JobStore, ref: string, repo?: string): Promise<StoredJob[]> {
  const byId = await store.getJob(ref);
  if (byId) return [byId];
  const scope = { ...(repo ? { repo } : {}), limit: 100_000 };
  const byPush = await store.listJobs({ ...scope, pushId: ref });
  if (byPush.length > 0 || !/^[0-9a-f]{6,40}$/.test(ref)) return byPush;
  const byRev = await store.listJobs({ ...scope, rev: ref });
  return byRev.length > 0 ? byRev : store.listJobs({ ...scope, idPrefix: ref });
}

/**
 * "Why did this run": the push (who, when, channel, verdict) -> its changesets -> the files
 * and globs that matched -> the task -> its upstream jobs -> attempts and the jti chain.
 */
export async function lineageOf(
  job: StoredJob,
  store: JobStore,
  config: TaskgateConfig,
  root: string,
  env?: NodeJS.ProcessEnv,
): Promise<JobLineage> {
  const push: PushRecord | null = await store.getPush(job.push.id);
  const verdict = gateRecordOf(config.audit.path, { txn: job.push.id });
  let changesets: JobLineage['changesets'] = [];
  try {
    const data = await readChangesets(root, `${job.push.node}::${job.rev} and ${job.push.node}:${job.push.nodeLast}`, {}, env);
    changesets = data.changesets.map((c) => ({
      node: c.node,
      author: c.author,
      description: c.description.split('\n')[0] ?? '',
      files: c.files.map((f) => f.path),
    }));
  } catch {
    // a stripped push: the store still knows the rest
  }
  return {
    job: { id: job.id, task: job.task, rev: job.rev, branch: job.branch, status: job.status, reason: job.reason },
    push: {
      id: job.push.id,
      pusher: job.actor.sub,
      channel: job.actor.via,
      groups: job.actor.groups,
      at: verdict?.at ?? push?.createdAt ?? null,
      verdict: verdict?.verdict ?? null,
      source: push?.source ?? null,
    },
    changesets,
    reasons: job.reasons,
    filesMatched: job.filesMatched,
    upstream: await Promise.all(
      job.requires.map(async (id) => {
        const u = await store.getJob(id);
        return { id, task: u?.task ?? '?', status: u?.status ?? 'missing' };
      }),
    ),
    attempts: (await store.attemptsOf(job.id)).map(({ log: _log, ...a }) => a),
    tokens: (await store.tokensOf(job.id)).map((t) => ({
      jti: t.jti,
      kind: t.kind,
      state: t.state,
      prev: t.prev,
      worker: t.worker,
      createdAt: t.createdAt,
      transition: t.transition,
    })),
  };
}
