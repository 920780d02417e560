import type { HeadsRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `heads`: after the push, no named branch the push touches has more than one open head. */
export const headsRule: RuleDefinition<HeadsRuleConfig> = {
  name: 'heads',
  needs: (config) => ({ heads: config.singleHeadPerBranch !== false }),
  checkPush(config, changesets, ctx) {
    if (config.singleHeadPerBranch === false) return [];
    const out: Violation[] = [];
    const branches = new Set(changesets.map((cs) => cs.branch));
    for (const branch of [...branches].sort()) {
      const heads = ctx.push.openHeads.get(branch) ?? [];
      if (heads.length > 1) {
        const incoming = changesets.find((cs) => cs.branch === branch && heads.includes(cs.node));
        out.push({
          rule: config.id,
          node: incoming?.node ?? null,
          message: `branch ${printable(branch)} would have ${heads.length} open heads: ${heads.map((h) => h.slice(0, 12)).join(', ')}`,
          hint: 'pull, merge or rebase onto the current head, then push again (hg pull; hg merge)',
        });
      }
    }
    return out;
  },
};
