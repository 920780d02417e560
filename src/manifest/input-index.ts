// An index of the tasks' input globs by literal base directory, so a path is tested only against the globs it could match.
import { globBase } from '../config/globs.js';
import type { CompiledTask } from './manifest-types.js';

interface Entry {
  task: CompiledTask;
  glob: string;
  match: (path: string) => boolean;
}

/** The directories (and the path itself) a path could be under: "", "a", "a/b", "a/b/c.ts". */
function prefixes(path: string): string[] {
  const out = [''];
  let at = path.indexOf('/');
  while (at >= 0) {
    out.push(path.slice(0, at));
    at = path.indexOf('/', at + 1);
  }
  out.push(path);
  return out;
}

/**
 * Which tasks' inputs a path matches, without testing every glob of every task: each
 * include glob is filed under its literal base directory (`src` for `src/**`), so a path
 * is tested only against globs whose base is one of its own prefixes.
 */
export type InputVisitor = (task: CompiledTask, glob: string) => void;

/** Whether `prefix` is `path` or one of its parent directories ('' is everyone's). */
export function underBase(path: string, base: string): boolean {
  return base === '' || path === base || (path.startsWith(base) && path.charCodeAt(base.length) === 47);
}

/** base -> glob -> what shares it: each glob is tested once per path, however many tasks list it. */
type ByBase<T> = Map<string, Map<string, T[]>>;

function file<T>(index: ByBase<T>, base: string, glob: string, item: T): void {
  let globs = index.get(base);
  if (!globs) index.set(base, (globs = new Map<string, T[]>()));
  let list = globs.get(glob);
  if (!list) globs.set(glob, (list = []));
  list.push(item);
}

/**
 * The index. Excludes with a literal base are filed like includes, so a path marks the tasks it
 * is excluded from before its includes are visited; a task with an exclude that has no base
 * (`!**\/*.md`) tests its excludes itself, only for the paths its includes match.
 */
export function buildInputIndex(all: Iterable<CompiledTask>): (path: string, visit: InputVisitor) => void {
  const tasks = [...all];
  const includes: ByBase<Entry> = new Map();
  const excludes: ByBase<{ index: number; match: (path: string) => boolean }> = new Map();
  const size = tasks.reduce((n, t) => Math.max(n, t.index + 1), 0);
  for (const task of tasks) {
    for (const { glob, match } of task.includes) file(includes, globBase(glob), glob, { task, glob, match });
    if (task.excludeGlobs.some((e) => e.base === '')) continue;
    for (const { glob, base, match } of task.excludeGlobs) file(excludes, base, glob, { index: task.index, match });
  }
  const lazy = new Uint8Array(size);
  for (const task of tasks) if (task.excludeGlobs.some((e) => e.base === '')) lazy[task.index] = 1;
  // seen[i] / excluded[i] === generation: task i was reported / is excluded for the current path
  const seen = new Int32Array(size);
  const excluded = new Int32Array(size);
  let generation = 0;
  return (path, visit) => {
    generation += 1;
    const dirs = prefixes(path);
    for (const prefix of dirs) {
      const globs = excludes.get(prefix);
      if (globs) for (const list of globs.values()) if (list[0]!.match(path)) for (const e of list) excluded[e.index] = generation;
    }
    for (const prefix of dirs) {
      const globs = includes.get(prefix);
      if (!globs) continue;
      for (const entries of globs.values()) {
        if (!entries[0]!.match(path)) continue;
        for (const e of entries) {
          const i = e.task.index;
          if (seen[i] === generation) continue;
          seen[i] = generation;
          if (excluded[i] === generation || (lazy[i] === 1 && e.task.excludes(path))) continue;
          visit(e.task, e.glob);
        }
      }
    }
  };
}
