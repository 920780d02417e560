// `taskgate graph`: the jobs' DAG of a head, a push or a job's head as dot, SVG, Mermaid or JSON, without a server.
import { TaskgateError } from '../errors/taskgate-error.js';
import { readChangesets } from '../hg/read-push.js';
import { openStore } from '../store/open-store.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import { planPush } from '../trigger/plan-push.js';
import { formatDag, jobNodes, type DagFormat } from '../ui/dag-formats.js';
import type { DagNode } from '../ui/dag-layout.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const GRAPH_USAGE = 'taskgate graph (-r REV | --push ID | --job ID) [--format dot|svg|mermaid|json] [-R REPO]';

const FORMATS = new Set<DagFormat>(['dot', 'svg', 'mermaid', 'json']);

function usage(message: string): TaskgateError {
  return new TaskgateError('ERR_USAGE', `taskgate graph: ${message}`, `usage: ${GRAPH_USAGE}`);
}

/** The jobs of the revisions' heads; when none was queued, the tasks the trigger would queue (status "planned"). */
async function revisionNodes(root: string, rev: string, manifest: string, store: JobStore, io: CliIo): Promise<DagNode[]> {
  const push = await readChangesets(root, rev, { headStatus: true, track: [manifest] }, io.env);
  if (push.changesets.length === 0) throw usage(`no changesets in ${rev}`);
  const heads = push.headRevs.map((r) => push.changesets.find((c) => c.rev === r)!.node);
  const jobs: StoredJob[] = [];
  for (const node of heads) jobs.push(...(await store.listJobs({ rev: node, limit: 100_000 })).filter((j) => j.rev === node));
  if (jobs.length > 0) return jobNodes(jobs);
  const plans = planPush(push, manifest);
  return plans.flatMap((p) =>
    p.tasks.map((t) => ({
      id: `${p.node.slice(0, 12)}:${t.task}`,
      label: plans.length > 1 ? `${t.task} @${p.node.slice(0, 6)}` : t.task,
      status: 'planned',
      requires: t.requires.map((r) => `${p.node.slice(0, 12)}:${r}`),
    })),
  );
}

export async function graphCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs(
    'graph',
    args,
    { ...REPO_OPTIONS, rev: { type: 'string', short: 'r' }, push: { type: 'string' }, job: { type: 'string' }, format: { type: 'string' } },
    GRAPH_USAGE,
  );
  const chosen = [values.rev, values.push, values.job].filter((v) => v !== undefined);
  if (chosen.length !== 1) throw usage('give exactly one of -r REV, --push ID, --job ID');
  const format = (values.format ?? 'dot') as DagFormat;
  if (!FORMATS.has(format)) throw usage(`unknown format ${JSON.stringify(values.format)} (dot, svg, mermaid or json)`);
  const { root, config } = repoConfig(values, io);
  const store = await openStore(config);
  try {
    let nodes: DagNode[];
    if (values.rev !== undefined) nodes = await revisionNodes(root, values.rev, config.manifest.path, store, io);
    else if (values.push !== undefined) {
      const jobs = await store.listJobs({ pushId: values.push, limit: 100_000 });
      if (jobs.length === 0 && !(await store.getPush(values.push)))
        throw new TaskgateError(
          'ERR_JOB_NOT_FOUND',
          `no push ${values.push}`,
          "push ids are the hooks' HG_TXNID; `taskgate jobs list --json` shows them",
        );
      nodes = jobNodes(jobs);
    } else {
      const job = await store.getJob(values.job!);
      if (!job) throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job ${values.job}`, 'list jobs with `taskgate jobs list`');
      nodes = jobNodes(await store.jobsOfHead(job.repo, job.rev));
    }
    io.out(formatDag(nodes, format));
    return CLI_EXIT.ok;
  } finally {
    await store.close();
  }
}
