import type { OwnershipRuleConfig } from '../../config/config-types.js';
import type { Changeset } from '../../hg/hg-types.js';
import type { ParsedManifest } from '../../manifest/manifest-types.js';
import { printable } from '../../errors/printable.js';
import { showPath, who } from '../describe.js';
import type { RuleContext, RuleDefinition, Violation } from '../policy-types.js';

/** Tasks whose manifest entry this changeset changes, against the manifest before the push. */
function redefinedTasks(cs: Changeset, base: ParsedManifest, ctx: RuleContext): string[] {
  if (!cs.judged.some((f) => f.path === ctx.manifestPath)) return [];
  const after = ctx.manifestAt(cs.rev);
  const owned = [...base.tasks.keys()];
  // an unreadable manifest could hide any change: every task counts as changed (fail closed)
  if (after === undefined || (after !== null && !after.ok)) return owned;
  return owned.filter((name) => base.tasks.get(name)?.entryKey !== after?.tasks.get(name)?.entryKey);
}

/**
 * `ownership`: touching an input of task T, or T's manifest entry, needs a pusher among T's
 * owners, read from the manifest as it was before the push, so nobody grants themselves ownership in the same push.
 */
export const ownershipRule: RuleDefinition<OwnershipRuleConfig> = {
  name: 'ownership',
  needs: (_config, manifestPath) => ({ track: [manifestPath], branchBases: true }),
  check(config, cs, ctx) {
    const base = ctx.manifestAt(ctx.baseRevOf(cs));
    if (!base || !base.ok) return [];
    const out: Violation[] = [];
    const redefined = new Set(redefinedTasks(cs, base, ctx));
    for (const [name, task] of base.tasks) {
      const owners = task.definition.owners;
      if (!owners || owners.length === 0 || ctx.grants(owners)) continue;
      let what: string | null = null;
      if (redefined.has(name)) what = `its definition in ${printable(ctx.manifestPath)}`;
      else {
        const file = cs.judged.find((f) => task.matchesInput(f.path) !== null);
        if (file) what = `${showPath(file)} (an input, ${task.matchesInput(file.path)})`;
      }
      if (what !== null) {
        out.push({ rule: config.id, node: cs.node, message: `${who(ctx.pusher)} may not change task ${name}: ${what}; owners: ${owners.join(', ')}`,
          hint: `ask an owner of ${name} to push this change` });
      }
    }
    return out;
  },
};
