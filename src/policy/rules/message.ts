// Rule `message`: each changeset's description matches `pattern` and none of `forbid`.
import type { MessageRuleConfig } from '../../config/config-types.js';
import { quoteSummary } from '../describe.js';
import { regex } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `message`: the description matches `pattern` and none of `forbid`. */
export const messageRule: RuleDefinition<MessageRuleConfig> = {
  name: 'message',
  fields: { pattern: 'regex', forbid: 'regexes' },
  perChangeset: true,
  needs: () => ({}),
  check(config, cs) {
    if (config.skipMerges && cs.parents.length === 2) return [];
    const out: Violation[] = [];
    const desc = cs.description;
    if (config.pattern !== undefined && !regex(config.pattern).test(desc)) {
      out.push({
        rule: config.id,
        node: cs.node,
        message: `${desc.trim() === '' ? 'the empty description' : quoteSummary(desc)} does not match ${config.pattern}`,
        hint: config.hint ?? 'reword the description (hg commit --amend, or hg histedit for older changesets)',
      });
    }
    for (const forbidden of config.forbid ?? []) {
      const hit = regex(forbidden).search(desc);
      if (hit) {
        // the line that matched (the first of a multi-line match), not the summary line
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${quoteSummary(desc, hit.start)} matches the forbidden ${forbidden}`,
          hint: 'fold or reword it before pushing (hg histedit)',
        });
      }
    }
    return out;
  },
};
