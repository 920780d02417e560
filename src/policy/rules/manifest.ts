import type { ManifestRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `manifest`: the task manifest at each new head parses, matches the schema, names real tasks, has no cycle, compiles. */
export const manifestRule: RuleDefinition<ManifestRuleConfig> = {
  name: 'manifest',
  unbypassable: true,
  fields: {},
  needs: (_config, manifestPath) => ({ track: [manifestPath] }),
  checkPush(config, changesets, ctx) {
    const out: Violation[] = [];
    const applies = new Set(changesets.map((cs) => cs.rev));
    for (const rev of ctx.push.headRevs) {
      if (!applies.has(rev)) continue;
      const parsed = ctx.manifestAt(rev);
      if (!parsed || parsed.ok) continue;
      const node = ctx.changesetAt(rev)!.node;
      for (const error of parsed.errors.slice(0, 20)) {
        out.push({
          rule: config.id,
          node,
          message: printable(error),
          hint: `fix ${ctx.manifestPath}; \`taskgate affected -r .\` shows how it is read`,
        });
      }
    }
    return out;
  },
};
