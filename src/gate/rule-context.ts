// What the rules may ask of a push, built once per judgement: manifests parsed once per content, bases along first-parent chains.
import type { TaskgateConfig } from '../config/config-types.js';
import type { Changeset, PushData } from '../hg/hg-types.js';
import { grants, reaches } from '../identity/who-list.js';
import type { Pusher } from '../identity/pusher.js';
import type { ManifestResult } from '../manifest/manifest-types.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import type { RuleContext } from '../policy/policy-types.js';

/** What the rules may ask of the push: manifests parsed once per content, bases along first-parent chains. */
export function buildRuleContext(push: PushData, pusher: Pusher, config: TaskgateConfig): RuleContext {
  const manifestPath = config.manifest.path;
  // built on first use: per-changeset rules run before the whole push is read, and never need it
  let byRevCache: Map<number, Changeset> | null = null;
  const byRev = {
    get: (rev: number) => (byRevCache ??= new Map(push.changesets.map((cs) => [cs.rev, cs] as const))).get(rev),
  };
  const fileAt = (path: string, rev: number | null): Buffer | null | undefined => {
    if (rev === null) return null;
    const versions = push.fileVersions.get(path);
    return versions?.has(rev) ? versions.get(rev)! : undefined;
  };
  const rootOf = new Map<number, number>();
  const findRoot = (cs: Changeset): number => {
    // walk first parents inside the push to where the chain leaves it
    const seen: number[] = [];
    let current: Changeset | undefined = cs;
    let root = cs.rev;
    while (current) {
      const known = rootOf.get(current.rev);
      if (known !== undefined) {
        root = known;
        break;
      }
      seen.push(current.rev);
      root = current.rev;
      const p1: number | undefined = current.parentRevs[0];
      current = p1 === undefined ? undefined : byRev.get(p1);
    }
    for (const r of seen) rootOf.set(r, root);
    return root;
  };
  return {
    push,
    pusher,
    identity: config.identity,
    manifestPath,
    workerAudience: config.tokens.audience,
    grants: (who) => grants(who, pusher),
    reaches: (who) => reaches(who, pusher),
    fileAt,
    changesetAt: (rev) => byRev.get(rev),
    manifestAt(rev): ManifestResult | null | undefined {
      const content = fileAt(manifestPath, rev);
      if (content === undefined || content === null) return content;
      return parseManifest(content, manifestPath);
    },
    baseRevOf(cs) {
      const branch = push.branches.get(cs.branch);
      if (branch?.existed) return branch.base;
      return push.roots.get(findRoot(cs)) ?? null;
    },
  };
}
