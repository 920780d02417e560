// When the gate of the same transaction already read the push, pretxnclose can often tell
// without any hg process that nothing but changesets changed (DESIGN §13): the bookmarks
// file has no different pending version, the transaction's journal names no obsstore, no
// pushed changeset touches .hgtags, and no phases rule needs to know what became public.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RuleConfig } from '../config/config-types.js';
import type { RefChanges } from '../hg/refs-types.js';
import type { GateVerdict } from './txn-verdict.js';

function read(path: string): Buffer | null {
  try {
    return readFileSync(path);
  } catch {
    return null;
  }
}

/** The journal's `file\0offset` lines; null when it is not in that format (then hg must read it). */
function journalFiles(root: string): string[] | null {
  const journal = read(join(root, '.hg', 'store', 'journal'));
  if (journal === null) return null;
  const names: string[] = [];
  for (const line of journal.toString('latin1').split('\n')) {
    if (line === '') continue;
    const m = /^([^\0]+)\0[0-9]+$/.exec(line);
    if (!m) return null;
    names.push(m[1]!);
  }
  return names;
}

function bookmarksUnchanged(root: string, env: NodeJS.ProcessEnv): boolean {
  if (!env['HG_PENDING']) return true;
  for (const dir of [join(root, '.hg'), join(root, '.hg', 'store')]) {
    const pending = read(join(dir, 'bookmarks.pending'));
    if (pending === null) continue;
    const committed = read(join(dir, 'bookmarks')) ?? Buffer.alloc(0);
    if (!pending.equals(committed)) return false;
  }
  return true;
}

/** The refs of a transaction that only added changesets, or null when hg must read them. */
export function refsWithoutHg(
  root: string,
  env: NodeJS.ProcessEnv,
  gate: GateVerdict | null,
  rules: readonly RuleConfig[],
): RefChanges | null {
  if (gate === null || gate.touchesTags) return null;
  if (rules.some((r) => r.enabled !== false && r.rule === 'phases')) return null;
  const journal = journalFiles(root);
  if (journal === null || journal.includes('obsstore')) return null;
  if (!bookmarksUnchanged(root, env)) return null;
  return { bookmarks: [], published: [], markers: [], tags: [], changesets: gate.changesets };
}
