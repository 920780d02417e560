// Parses a task manifest (JSON, schema, known requires, no cycle, compiling globs), reporting every problem, cached by content.
import { createHash } from 'node:crypto';
import type { ErrorObject } from 'ajv';
import { compileAnyGlob, compileGlob, globBase, globError } from '../config/globs.js';
import validateTasks from '../generated/validate-tasks.js';
import { topoOrder } from './dag.js';
import { buildInputIndex, underBase, type InputVisitor } from './input-index.js';
import { definitionKey, entryKey } from './normalize.js';
import type { CompiledTask, InputMatch, ManifestResult, TaskDefinition, TaskManifest } from './manifest-types.js';

const cache = new Map<string, ManifestResult>();

function schemaMessage(e: ErrorObject): string {
  const at = e.instancePath === '' ? '/' : e.instancePath;
  const params = e.params as Record<string, unknown>;
  if (e.keyword === 'additionalProperties') return `${at}: unknown key "${String(params['additionalProperty'])}"`;
  if (e.keyword === 'propertyNames')
    return `${at}: task name ${JSON.stringify(params['propertyName'])} is not valid (letters, digits, . _ -)`;
  if (e.keyword === 'pattern' && at.endsWith('/timeout')) return `${at}: must be a duration of at most 24h, more than 0 (30s, 20m, 2h)`;
  if (e.keyword === 'pattern' && /\/resources\/(memory|log)$/.test(at)) return `${at}: must be a size: a number and k, m or g (512m, 2g)`;
  if (e.keyword === 'not' && at.endsWith('/audience')) return `${at}: must not be the workers' audience (tokens.audience)`;
  return `${at}: ${e.message ?? e.keyword}`;
}

function compileTask(name: string, definition: TaskDefinition, index: number): CompiledTask {
  const includes = (definition.inputs ?? []).filter((g) => !g.startsWith('!')).map((glob) => ({ glob, match: compileGlob(glob) }));
  // an exclude is tested only for paths under its literal base: most paths are not
  const excludeGlobs = (definition.inputs ?? [])
    .filter((g) => g.startsWith('!'))
    .map((g) => ({ glob: g.slice(1), base: globBase(g.slice(1)), match: compileGlob(g.slice(1)) }));
  const excludes = (path: string) => excludeGlobs.some((e) => underBase(path, e.base) && e.match(path));
  const branches = definition.branches ? compileAnyGlob(definition.branches) : null;
  const bookmarks = definition.bookmarks ? compileAnyGlob(definition.bookmarks) : null;
  // the keys are JSON of the definition: made when first compared (a trigger with no manifest before needs none)
  let key: string | null = null;
  let entry: string | null = null;
  return {
    name,
    index,
    excludeGlobs,
    definition,
    get definitionKey() {
      return (key ??= definitionKey(definition));
    },
    get entryKey() {
      return (entry ??= entryKey(definition));
    },
    includes,
    excludes,
    matchesInput(path) {
      if (excludes(path)) return null;
      return includes.find((i) => i.match(path))?.glob ?? null;
    },
    runsOn: (branch) => (branches ? branches(branch) : true),
    runsOnBookmark: (bookmark) => (bookmark === null ? bookmarks === null : bookmarks !== null && bookmarks(bookmark)),
  };
}

/**
 * Parses a task manifest: JSON, the schema, requires naming existing tasks, no cycle,
 * globs that compile. Every problem is reported; the result is cached by content hash.
 */
export function parseManifest(content: Buffer | string, path = 'tasks.json'): ManifestResult {
  const key = createHash('sha256').update(path).update('\0').update(content).digest('hex');
  const hit = cache.get(key);
  if (hit) return hit;
  const result = parseUncached(typeof content === 'string' ? content : content.toString('utf8'), path);
  cache.set(key, result);
  return result;
}

function parseUncached(text: string, path: string): ManifestResult {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, errors: [`${path} is not valid JSON: ${(error as Error).message}`] };
  }
  if (!validateTasks(value)) {
    return { ok: false, errors: (validateTasks.errors ?? []).map((e) => `${path}${schemaMessage(e)}`) };
  }
  const manifest = value as TaskManifest;
  const errors: string[] = [];
  const requires = new Map<string, string[]>();
  for (const [name, def] of Object.entries(manifest.tasks)) {
    for (const r of def.requires ?? []) {
      if (!(r in manifest.tasks)) errors.push(`${path}: task "${name}" requires "${r}", which is not a task`);
    }
    requires.set(
      name,
      (def.requires ?? []).filter((r) => r in manifest.tasks),
    );
    for (const glob of [
      ...(def.inputs ?? []).map((g) => (g.startsWith('!') ? g.slice(1) : g)),
      ...(def.branches ?? []),
      ...(def.bookmarks ?? []),
    ]) {
      const problem = globError(glob);
      if (problem) errors.push(`${path}: task "${name}" has an invalid glob ${JSON.stringify(glob)}: ${problem}`);
    }
  }
  const { order, cycle } = topoOrder(requires);
  if (cycle) errors.push(`${path}: tasks form a cycle: ${cycle.join(' -> ')}`);
  if (errors.length > 0) return { ok: false, errors };
  const tasks = new Map(Object.entries(manifest.tasks).map(([name, def], i) => [name, compileTask(name, def, i)] as const));
  let index: ((path: string, visit: InputVisitor) => void) | null = null;
  const forEachInput = (path: string, visit: InputVisitor) => (index ??= buildInputIndex(tasks.values()))(path, visit);
  return {
    ok: true,
    manifest,
    tasks,
    order,
    forEachInput,
    matchInputs(path) {
      const out: InputMatch[] = [];
      forEachInput(path, (task, glob) => out.push({ task: task.name, glob }));
      return out;
    },
  };
}
