/** `"hermetic": true` (DESIGN §14): the archive keeps only the files the task's inputs match, and the manifest. */
import { readdirSync, rmSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseManifest } from '../manifest/parse-manifest.js';
import type { TaskDefinition } from '../manifest/manifest-types.js';

/** Removes from `dir` every file that neither matches `inputs` nor is the manifest; empty folders go too. Returns the files kept. */
export function keepInputsOnly(dir: string, definition: TaskDefinition, manifestPath: string): number {
  // the task alone, compiled by the same code the trigger matched its inputs with
  const parsed = parseManifest(JSON.stringify({ version: 1, tasks: { task: { run: definition.run, inputs: definition.inputs ?? [] } } }));
  if (!parsed.ok) throw new Error(`the inputs of a hermetic task do not compile: ${parsed.errors.join('; ')}`);
  const task = parsed.tasks.get('task')!;
  let kept = 0;
  const walk = (abs: string, rel: string): boolean => {
    let empty = true;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const path = rel === '' ? entry.name : `${rel}/${entry.name}`;
      const full = join(abs, entry.name);
      if (entry.isDirectory()) {
        if (walk(full, path)) rmdirSync(full);
        else empty = false;
      } else if (path === manifestPath || task.matchesInput(path) !== null) {
        kept += 1;
        empty = false;
      } else {
        rmSync(full, { force: true });
      }
    }
    return empty;
  };
  walk(dir, '');
  return kept;
}
