import picomatch from 'picomatch';
import type { CompiledTask, InputMatch } from './manifest-types.js';

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
export function buildInputIndex(tasks: Iterable<CompiledTask>): (path: string) => InputMatch[] {
  const byBase = new Map<string, Entry[]>();
  for (const task of tasks) {
    for (const { glob, match } of task.includes) {
      const scanned = picomatch.scan(glob);
      // an escaped character makes the scanned base unreliable: test such globs everywhere
      const base = scanned.base.includes('\\') ? '' : scanned.base;
      let list = byBase.get(base);
      if (!list) byBase.set(base, (list = []));
      list.push({ task, glob, match });
    }
  }
  return (path) => {
    const found = new Map<string, InputMatch>();
    for (const prefix of prefixes(path)) {
      for (const e of byBase.get(prefix) ?? []) {
        if (!found.has(e.task.name) && e.match(path) && !e.task.excludes(path)) found.set(e.task.name, { task: e.task.name, glob: e.glob });
      }
    }
    return [...found.values()];
  };
}
