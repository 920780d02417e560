export interface TaskDefinition {
  inputs?: string[];
  requires?: string[];
  run: string;
  owners?: string[];
  branches?: string[];
  timeout?: string;
  retries?: number;
  env?: Record<string, string>;
  audience?: string;
  description?: string;
}

export interface TaskManifest {
  version: 1;
  tasks: Record<string, TaskDefinition>;
}

export interface CompiledTask {
  name: string;
  definition: TaskDefinition;
  /** What decides what the task does (inputs, requires, run, env, timeout), as a stable string. */
  definitionKey: string;
  /** The whole entry, owners included, as a stable string: for `ownership`. */
  entryKey: string;
  /** A path counts when it matches an include and no `!` exclude. */
  matchesInput(path: string): string | null;
  /** Whether the task runs for a branch (all branches when `branches` is absent). */
  runsOn(branch: string): boolean;
}

export interface ParsedManifest {
  ok: true;
  manifest: TaskManifest;
  tasks: Map<string, CompiledTask>;
  /** Task names in topological order, ties by name. */
  order: string[];
}

export interface ManifestProblems {
  ok: false;
  /** Every problem, each naming the task or JSON path. */
  errors: string[];
}

export type ManifestResult = ParsedManifest | ManifestProblems;
