// "Why did this run": a job's lineage from its push to its tokens (DESIGN §11).
import type { TaskgateConfig } from '../config/config-types.js';
import { readChangesets } from '../hg/read-push.js';
import type { AffectedReason } from '../manifest/affected.js';
import type { AttemptRow, JobStore, PushRecord, StoredJob, TokenRow } from '../store/store-types.js';
import { txnOfPushId } from '../jobs/push-id.js';
import { gateRecordOf } from './gate-record.js';
import { logFile, logSize } from './job-log.js';

export interface JobLineage {
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
  /** Attempts with the size of their log on the store's host (null: none there), never its path: a reader never sees a server path. */
  attempts: Array<Omit<AttemptRow, 'log'> & { logBytes: number | null }>;
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

type Changesets = JobLineage['changesets'];

/**
 * The changesets of every push the jobs belong to, read with ONE hg process whatever the
 * number of jobs: each job then takes those of its push that its head descends from.
 */
async function pushChangesets(
  jobs: StoredJob[],
  root: string,
  env?: NodeJS.ProcessEnv,
): Promise<Map<string, Changesets[number] & { parents: string[] }>> {
  const ranges = [...new Set(jobs.map((j) => `${j.push.node}:${j.push.nodeLast}`))];
  const found = new Map<string, Changesets[number] & { parents: string[] }>();
  if (ranges.length === 0) return found;
  try {
    // nodes are hex (the store checks them); each range is one push
    const union = ranges
      .filter((r) => /^[0-9a-f]{12,40}:[0-9a-f]{12,40}$/.test(r))
      .map((r) => `(${r})`)
      .join(' or ');
    if (!union) return found;
    const data = await readChangesets(root, `sort(${union}, rev)`, {}, env);
    for (const c of data.changesets)
      found.set(c.node, {
        node: c.node,
        author: c.author,
        description: c.description.split('\n')[0] ?? '',
        files: c.files.map((f) => f.path),
        parents: c.parents,
      });
  } catch {
    // a stripped push: the store still knows the rest
  }
  return found;
}

/** The changesets of `push.node::rev`: ancestors of the job's head that descend from its push's first changeset, oldest first. */
function changesetsOf(job: StoredJob, all: Map<string, Changesets[number] & { parents: string[] }>): Changesets {
  const seen = new Set<string>();
  const stack = [job.rev];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const c = all.get(node);
    if (!c || seen.has(node)) continue;
    seen.add(node);
    stack.push(...c.parents);
  }
  // and descending from the push's first changeset (changesets come in revision order, parents first)
  const descends = new Set<string>([job.push.node]);
  for (const c of all.values()) if (c.parents.some((p) => descends.has(p))) descends.add(c.node);
  return [...all.values()].filter((c) => seen.has(c.node) && descends.has(c.node)).map(({ parents: _parents, ...c }) => c);
}

/**
 * "Why did this run", for each job: the push (who, when, channel, verdict) -> its changesets
 * -> the files and globs that matched -> the task -> its upstream jobs -> attempts and the
 * jti chain. One hg process and one read of the audit log, however many jobs.
 */
export async function lineageOfJobs(
  jobs: StoredJob[],
  store: JobStore,
  config: TaskgateConfig,
  root: string,
  env?: NodeJS.ProcessEnv,
): Promise<JobLineage[]> {
  const changesets = await pushChangesets(jobs, root, env);
  // one read of the audit file per push, not per job
  const verdicts = new Map<string, { verdict: string; at: string } | null>();
  for (const id of new Set(jobs.map((j) => j.push.id))) verdicts.set(id, gateRecordOf(config.audit.path, { txn: txnOfPushId(id) }));
  const out: JobLineage[] = [];
  for (const job of jobs)
    out.push(await lineageOne(job, store, changesetsOf(job, changesets), verdicts.get(job.push.id) ?? null, config.worker.logs));
  return out;
}

/** One job's lineage, given its changesets. */
async function lineageOne(
  job: StoredJob,
  store: JobStore,
  changesets: Changesets,
  verdict: { verdict: string; at: string } | null,
  logs: string,
): Promise<JobLineage> {
  const push: PushRecord | null = await store.getPush(job.push.id);
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
    attempts: (await store.attemptsOf(job.id)).map(({ log: _log, ...a }) => ({
      ...a,
      logBytes: logSize(logFile(logs, job.id, a.attempt)),
    })),
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
