// Stable keys of a task's definition (DESIGN §6): a change of the key re-runs the task; the whole entry's key serves `ownership`.
import type { TaskDefinition } from './manifest-types.js';

/** The parts of a task that decide what it does (DESIGN §6), as a stable string: a change here re-runs it. */
export function definitionKey(def: TaskDefinition | undefined): string {
  if (!def) return '';
  const env = Object.keys(def.env ?? {})
    .sort()
    .map((k) => [k, def.env![k]]);
  const key: unknown[] = [[...(def.inputs ?? [])].sort(), [...(def.requires ?? [])].sort(), def.run, env, def.timeout ?? null];
  // how it runs decides what it does too; absent or default values keep the keys of older manifests
  const r = def.resources ?? {};
  if (def.network || def.hermetic || r.memory || r.processes || r.log)
    key.push([def.network === true, def.hermetic === true, r.memory ?? null, r.processes ?? null, r.log ?? null]);
  return JSON.stringify(key);
}

/** The whole entry, owners included: changing who owns a task is a change of its definition for `ownership`. */
export function entryKey(def: TaskDefinition | undefined): string {
  if (!def) return '';
  return JSON.stringify([
    definitionKey(def),
    [...(def.owners ?? [])].sort(),
    [...(def.branches ?? [])].sort(),
    def.retries ?? null,
    def.audience ?? null,
    def.supersede === true,
  ]);
}
