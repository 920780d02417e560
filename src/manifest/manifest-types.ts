// The shapes of the task manifest: a task's definition and resources, the manifest, its compiled form and its problems.
export interface TaskDefinition {
  inputs?: string[];
  requires?: string[];
  run: string;
  owners?: string[];
  branches?: string[];
  /** Bookmark globs: the task runs when a matching bookmark moves (DESIGN §16), and not for pushed heads. */
  bookmarks?: string[];
  timeout?: string;
  retries?: number;
  env?: Record<string, string>;
  audience?: string;
  /** The sandbox shares the host's network (off by default). */
  network?: boolean;
  /** The archive holds only the files `inputs` match, and the manifest. */
  hermetic?: boolean;
  /** A newer job of the same (repository, branch, task) cancels the older ones not yet running. */
  supersede?: boolean;
  resources?: TaskResources;
  description?: string;
}

export interface TaskResources {
  /** Address space of each process, "2g". */
  memory?: string;
  processes?: number;
  /** Output kept in the log, "64m"; the rest is cut with a marker line. */
  log?: string;
}

export interface TaskManifest {
  version: 1;
  tasks: Record<string, TaskDefinition>;
}

export interface CompiledTask {
  name: string;
  /** Position in the manifest: a dense number for per-task arrays. */
  index: number;
  /** The `!` excludes, compiled, each with its literal base directory ('' when it has none). */
  excludeGlobs: ReadonlyArray<{ glob: string; base: string; match: (path: string) => boolean }>;
  definition: TaskDefinition;
  /** What decides what the task does (inputs, requires, run, env, timeout), as a stable string. */
  definitionKey: string;
  /** The whole entry, owners included, as a stable string: for `ownership`. */
  entryKey: string;
  /** Include globs of `inputs`, compiled. */
  includes: ReadonlyArray<{ glob: string; match: (path: string) => boolean }>;
  /** Whether a path matches one of the `!` excludes. */
  excludes: (path: string) => boolean;
  /** The include glob that selects this path for the task, or null (excluded or unmatched). */
  matchesInput(path: string): string | null;
  /** Whether the task runs for a branch (all branches when `branches` is absent). */
  runsOn(branch: string): boolean;
  /** Whether the task runs when this bookmark moves; with no bookmark (a pushed head), whether it has no `bookmarks` filter. */
  runsOnBookmark(bookmark: string | null): boolean;
}

export interface ParsedManifest {
  ok: true;
  manifest: TaskManifest;
  tasks: Map<string, CompiledTask>;
  /** Task names in topological order, ties by name. */
  order: string[];
  /** Every task whose inputs a path matches, with the glob that matched (indexed: fast for thousands of tasks). */
  matchInputs(path: string): InputMatch[];
  /** The same, without building a list: `visit(task, glob)` for each match. */
  forEachInput(path: string, visit: (task: CompiledTask, glob: string) => void): void;
}

export interface InputMatch {
  task: string;
  glob: string;
}

export interface ManifestProblems {
  ok: false;
  /** Every problem, each naming the task or JSON path. */
  errors: string[];
}

export type ManifestResult = ParsedManifest | ManifestProblems;
