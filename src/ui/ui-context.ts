// What every page reads from: the configuration, the job store, the repository, the gate's verdicts and the changesets read so far.
import type { TaskgateConfig } from '../config/config-types.js';
import type { JobStore, StoredJob } from '../store/store-types.js';
import { ChangesetSummaries } from './changeset-summaries.js';
import { GateRecords } from './gate-records.js';

export interface UiContext {
  config: TaskgateConfig;
  store: JobStore;
  root: string;
  gate: GateRecords;
  changesets: ChangesetSummaries;
  now: () => Date;
}

export function createUiContext(options: { config: TaskgateConfig; store: JobStore; root: string; now?: () => Date }): UiContext {
  const gate = new GateRecords(options.config.audit.path);
  gate.refresh();
  return {
    config: options.config,
    store: options.store,
    root: options.root,
    gate,
    changesets: new ChangesetSummaries(options.root),
    now: options.now ?? (() => new Date()),
  };
}

export interface JobChip {
  id: string;
  task: string;
  status: string;
}

export const chip = (j: Pick<StoredJob, 'id' | 'task' | 'status'>): JobChip => ({ id: j.id, task: j.task, status: j.status });

export const short = (node: string): string => node.slice(0, 12);

/** Jobs grouped by the head they run at, heads in the order first seen. */
export function byHead(
  jobs: Array<Pick<StoredJob, 'id' | 'task' | 'status' | 'rev' | 'branch'>>,
): Array<{ node: string; branch: string; jobs: JobChip[] }> {
  const heads = new Map<string, { node: string; branch: string; jobs: JobChip[] }>();
  for (const j of jobs) {
    const h = heads.get(j.rev) ?? heads.set(j.rev, { node: j.rev, branch: j.branch, jobs: [] }).get(j.rev)!;
    h.jobs.push(chip(j));
  }
  return [...heads.values()];
}
