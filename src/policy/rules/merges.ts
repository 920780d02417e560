/** The `merges` rule: merges allowed, refused, or allowed only across branches. */
import type { MergesRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import type { RuleDefinition } from '../policy-types.js';

/** `merges`: `allow: false` refuses merge changesets; `"cross-branch"` only those whose parents share a branch (hooklib's reject_merge_commits). */
export const mergesRule: RuleDefinition<MergesRuleConfig> = {
  name: 'merges',
  fields: {},
  perChangeset: true,
  needs: (config) => (config.allow === 'cross-branch' ? { parentBranches: true } : {}),
  check(config, cs) {
    if (config.allow === true || config.allow === undefined || cs.parents.length < 2) return [];
    if (config.allow === 'cross-branch') {
      const [a, b] = cs.parentBranches ?? [];
      // unknown parent branches (not read) count as the same branch: fail closed
      if (a !== undefined && b !== undefined && a !== b) return [];
      return [
        {
          rule: config.id,
          node: cs.node,
          message: `merges two heads of branch ${printable(a ?? cs.branch)}, and only merges between branches are allowed here`,
          hint: 'rebase onto the other head instead of merging it (hg rebase -d DEST), then push again',
        },
      ];
    }
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
