import picomatch from 'picomatch';
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

/** Literal base of a glob (`src` for `src/**`), or '' when it has none or cannot be trusted. */
export function globBase(glob: string): string {
  const base = picomatch.scan(glob).base;
  // an escaped character makes the scanned base unreliable
  return base.includes('\\') ? '' : base;
}

/** Whether `prefix` is `path` or one of its parent directories ('' is everyone's). */
export function underBase(path: string, base: string): boolean {
  return base === '' || path === base || (path.startsWith(base) && path.charCodeAt(base.length) === 47);
}

export function buildInputIndex(tasks: Iterable<CompiledTask>): (path: string, visit: InputVisitor) => void {
  // base -> glob -> the tasks that list it: a glob shared by many tasks is tested once per path
  const byBase = new Map<string, Map<string, Entry[]>>();
  for (const task of tasks) {
    for (const { glob, match } of task.includes) {
      const base = globBase(glob);
      let globs = byBase.get(base);
      if (!globs) byBase.set(base, (globs = new Map<string, Entry[]>()));
      let list = globs.get(glob);
      if (!list) globs.set(glob, (list = []));
      list.push({ task, glob, match });
    }
  }
  // seen[task.index] === generation: the task was already reported for the current path
  const seen = new Int32Array(
    Math.max(0, ...[...byBase.values()].flatMap((g) => [...g.values()].flatMap((l) => l.map((e) => e.task.index)))) + 1,
  );
  let generation = 0;
  return (path, visit) => {
    generation += 1;
    for (const prefix of prefixes(path)) {
      const globs = byBase.get(prefix);
      if (!globs) continue;
      for (const entries of globs.values()) {
        if (!entries[0]!.match(path)) continue;
        for (const e of entries) {
          const t = e.task;
          if (seen[t.index] === generation || (t.hasExcludes && t.excludes(path))) continue;
          seen[t.index] = generation;
          visit(t, e.glob);
        }
      }
    }
  };
}
