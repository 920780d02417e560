// What hg must read for a policy: the union of what each enabled rule needs beyond the changesets.
import type { RuleConfig } from '../config/config-types.js';
import type { Needs } from './policy-types.js';
import { ruleFor } from './rule-registry.js';

/** What hg must read for these rules: the union of each enabled rule's needs. */
export function needsOf(rules: readonly RuleConfig[], manifestPath: string): Needs {
  const out: Needs = {};
  const track = new Set<string>();
  for (const config of rules) {
    if (config.enabled === false) continue;
    const n = ruleFor(config).needs(config, manifestPath);
    if (n.sizes !== undefined) out.sizes = Math.min(out.sizes ?? Number.MAX_SAFE_INTEGER, n.sizes);
    if (n.addedLines) out.addedLines = Math.max(out.addedLines ?? 0, n.addedLines);
    if (n.headFiles) out.headFiles = true;
    if (n.heads) out.heads = true;
    if (n.branchBases) out.branchBases = true;
    if (n.flags) out.flags = true;
    if (n.parentBranches) out.parentBranches = true;
    for (const t of n.track ?? []) track.add(t);
  }
  if (track.size > 0) out.track = [...track];
  return out;
}
