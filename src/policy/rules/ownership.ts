// Rule `ownership`: touching a task's inputs or manifest entry needs one of its owners, as the manifest named them before the push.
import type { OwnershipRuleConfig } from '../../config/config-types.js';
import type { Changeset } from '../../hg/hg-types.js';
import type { ParsedManifest } from '../../manifest/manifest-types.js';
import { printable } from '../../errors/printable.js';
import { showPath, who, whoText } from '../describe.js';
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
  fields: {},
  needs: (_config, manifestPath) => ({ track: [manifestPath], branchBases: true }),
  check(config, cs, ctx) {
    const base = ctx.manifestAt(ctx.baseRevOf(cs));
    if (!base || !base.ok) return [];
    const out: Violation[] = [];
    const reported = new Set<string>();
    const report = (name: string, what: string) => {
      const owners = base.tasks.get(name)?.definition.owners;
      if (reported.has(name) || !owners || owners.length === 0 || ctx.grants(owners)) return;
      reported.add(name);
      out.push({
        rule: config.id,
        node: cs.node,
        message: `${who(ctx.pusher)} may not change task ${name}: ${what}; owners: ${whoText(owners)}`,
        hint: `ask an owner of ${name} to push this change`,
      });
    };
    for (const name of redefinedTasks(cs, base, ctx)) report(name, `its definition in ${printable(ctx.manifestPath)}`);
    for (const file of cs.judged) {
      for (const m of base.matchInputs(file.path)) report(m.task, `${showPath(file)} (an input, ${m.glob})`);
    }
    return out;
  },
};
