// What each new head of a push affects (DESIGN §6): its changed files, its manifest against the base's, its affected tasks.
import type { Changeset, PushData } from '../hg/hg-types.js';
import { affectedTasks, type AffectedTask } from '../manifest/affected.js';
import { parseManifest } from '../manifest/parse-manifest.js';

export interface HeadPlan {
  node: string;
  rev: number;
  branch: string;
  /** Where the head's first-parent chain leaves the push (null: the empty revision). */
  base: number | null;
  changedFiles: string[];
  /** `absent`: no manifest at the head; `invalid`: it cannot be read (see problems), so nothing runs. */
  manifest: 'ok' | 'absent' | 'invalid';
  problems: string[];
  tasks: AffectedTask[];
}

/** Incoming changesets that are ancestors of `head` (itself included), following parents inside the push. */
function incomingAncestors(head: Changeset, byRev: Map<number, Changeset>): Changeset[] {
  const seen = new Set<number>([head.rev]);
  const stack = [head];
  const out: Changeset[] = [];
  while (stack.length > 0) {
    const cs = stack.pop()!;
    out.push(cs);
    for (const p of cs.parentRevs) {
      const parent = byRev.get(p);
      if (parent && !seen.has(p)) {
        seen.add(p);
        stack.push(parent);
      }
    }
  }
  return out;
}

/**
 * What each new head of a push affects (DESIGN §6): its changed files are the files of the
 * incoming changesets below it plus its status against the base, and the manifest before
 * the push is the one at the base.
 */
export function planPush(push: PushData, manifestPath: string): HeadPlan[] {
  const byRev = new Map(push.changesets.map((cs) => [cs.rev, cs] as const));
  const versions = push.fileVersions.get(manifestPath);
  return push.headRevs.map((rev) => {
    const head = byRev.get(rev)!;
    const status = push.headStatus.get(rev);
    const base = status?.base ?? null;
    const changed = new Set<string>();
    for (const cs of incomingAncestors(head, byRev)) for (const f of cs.files) changed.add(f.path);
    for (const f of [...(status?.added ?? []), ...(status?.modified ?? []), ...(status?.removed ?? [])]) changed.add(f.path);
    const plan: HeadPlan = {
      node: head.node,
      rev,
      branch: head.branch,
      base,
      changedFiles: [...changed].sort(),
      manifest: 'absent',
      problems: [],
      tasks: [],
    };
    const atHead = versions?.get(rev);
    if (!atHead) return plan;
    const after = parseManifest(atHead, manifestPath);
    if (!after.ok) return { ...plan, manifest: 'invalid', problems: after.errors };
    const beforeContent = base === null ? null : (versions?.get(base) ?? null);
    const before = beforeContent ? parseManifest(beforeContent, manifestPath) : null;
    return { ...plan, manifest: 'ok', tasks: affectedTasks({ changedFiles: plan.changedFiles, before, after, branch: head.branch }) };
  });
}
