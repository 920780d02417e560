// The tasks a head affects (DESIGN §6): by changed inputs or definitions, then their dependents, filtered by branch or bookmark.
import type { ManifestResult, ParsedManifest, TaskDefinition } from './manifest-types.js';

export type AffectedReason =
  | { kind: 'file'; file: string; glob: string }
  | { kind: 'definition'; change: 'new-manifest' | 'new-task' | 'changed' }
  | { kind: 'upstream'; task: string }
  | { kind: 'bookmark'; bookmark: string; from: string | null; to: string; by: string | null };

export interface AffectedTask {
  task: string;
  definition: TaskDefinition;
  /** The affected tasks of the same head it waits for (after the branch filter). */
  requires: string[];
  reasons: AffectedReason[];
  /** How many changed files matched its inputs (reasons list at most MAX_FILE_REASONS of them). */
  filesMatched: number;
}

export const MAX_FILE_REASONS = 100;

export interface AffectedInput {
  /** Changed files of the head (DESIGN §6: the incoming changesets' files and the status against the base). */
  changedFiles: Iterable<string>;
  /** The manifest before the push: null when there was none; a broken one counts as none. */
  before: ManifestResult | null;
  after: ParsedManifest;
  branch: string;
  /** A bookmark move (DESIGN §16): only the tasks filtered to it run; without one, only tasks with no `bookmarks` filter. */
  bookmark?: string;
}

/**
 * The tasks a head affects (DESIGN §6): directly, by a changed input or a changed
 * definition; then everything that requires an affected task, transitively; then the
 * tasks whose `branches` (or `bookmarks`) do not match are left out. Topological order, ties by name.
 */
export function affectedTasks(input: AffectedInput): AffectedTask[] {
  const { after } = input;
  const reasons = new Map<string, AffectedReason[]>();
  // per task index: how many changed files matched (a dense array: this loop can see millions of matches)
  const fileCounts = new Int32Array(after.tasks.size);
  const add = (task: string, reason: AffectedReason) => {
    let list = reasons.get(task);
    if (!list) reasons.set(task, (list = []));
    list.push(reason);
  };
  // per task index, its file reasons: the tasks that list one glob are visited one after another
  // for a path, and share one reason object (read only), not one each: fewer objects for the GC
  const fileReasons: AffectedReason[][] = [];
  for (const file of input.changedFiles) {
    let shared: { kind: 'file'; file: string; glob: string } | null = null;
    after.forEachInput(file, (task, glob) => {
      const n = ++fileCounts[task.index]!;
      if (n > MAX_FILE_REASONS) return;
      if (shared?.glob !== glob) shared = { kind: 'file', file, glob };
      (fileReasons[task.index] ??= []).push(shared);
    });
  }
  for (const [name, task] of after.tasks) {
    const list = fileReasons[task.index];
    if (list) reasons.set(name, list);
  }
  const before = input.before && input.before.ok ? input.before : null;
  for (const [name, task] of after.tasks) {
    if (!before) add(name, { kind: 'definition', change: 'new-manifest' });
    else if (!before.tasks.has(name)) add(name, { kind: 'definition', change: 'new-task' });
    else if (before.tasks.get(name)!.definitionKey !== task.definitionKey) add(name, { kind: 'definition', change: 'changed' });
  }
  // upstream: walk dependents in topological order, so one pass suffices
  const affected = new Set(reasons.keys());
  for (const name of after.order) {
    for (const req of after.tasks.get(name)!.definition.requires ?? []) {
      if (affected.has(req)) {
        affected.add(name);
        add(name, { kind: 'upstream', task: req });
      }
    }
  }
  const runs = (name: string) =>
    after.tasks.get(name)!.runsOn(input.branch) && after.tasks.get(name)!.runsOnBookmark(input.bookmark ?? null);
  const kept = after.order.filter((name) => affected.has(name) && runs(name));
  const keptSet = new Set(kept);
  return kept.map((name) => {
    const def = after.tasks.get(name)!.definition;
    return {
      task: name,
      definition: def,
      requires: (def.requires ?? []).filter((r) => keptSet.has(r)).sort(),
      reasons: reasons.get(name) ?? [],
      filesMatched: fileCounts[after.tasks.get(name)!.index]!,
    };
  });
}
