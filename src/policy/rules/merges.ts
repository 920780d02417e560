import type { MergesRuleConfig } from '../../config/config-types.js';
import type { RuleDefinition } from '../policy-types.js';

/** `merges`: with `allow: false`, merge changesets are refused. */
export const mergesRule: RuleDefinition<MergesRuleConfig> = {
  name: 'merges',
  perChangeset: true,
  needs: () => ({}),
  check(config, cs) {
    if (config.allow !== false || cs.parents.length < 2) return [];
    return [
      {
        rule: config.id,
        node: cs.node,
        message: `is a merge, and merges are not allowed here`,
        hint: 'rebase instead of merging (hg rebase -d DEST), then push again',
      },
    ];
  },
};
