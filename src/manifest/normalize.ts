import type { TaskDefinition } from './manifest-types.js';

/** The parts of a task that decide what it does (DESIGN §6), as a stable string: a change here re-runs it. */
export function definitionKey(def: TaskDefinition | undefined): string {
  if (!def) return '';
  const env = Object.keys(def.env ?? {})
    .sort()
    .map((k) => [k, def.env![k]]);
  return JSON.stringify([[...(def.inputs ?? [])].sort(), [...(def.requires ?? [])].sort(), def.run, env, def.timeout ?? null]);
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
  ]);
}
