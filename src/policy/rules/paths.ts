// Rule `paths`, like Mercurial's acl extension: `deny` and `allow` globs mapped to who-lists, on every touched file.
import type { PathsRuleConfig } from '../../config/config-types.js';
import { showPath, who, whoText } from '../describe.js';
import { glob } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/**
 * `paths`, like Mercurial's acl extension: a touched file matching a `deny` glob that reaches
 * the pusher is refused; when `allow` is given, every touched file needs an `allow` glob granting the pusher.
 */
export const pathsRule: RuleDefinition<PathsRuleConfig> = {
  name: 'paths',
  fields: { deny: 'globToWho', allow: 'globToWho' },
  filesScoped: true,
  perChangeset: true,
  needs: () => ({}),
  check(config, cs, ctx) {
    const deny = Object.entries(config.deny ?? {});
    const allow = config.allow ? Object.entries(config.allow) : null;
    const out: Violation[] = [];
    for (const file of cs.judged) {
      const denied = deny.find(([g, list]) => glob(g)(file.path) && ctx.reaches(list));
      if (denied) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not change ${showPath(file)} (denied to ${whoText(denied[1])})`,
          hint: `leave ${denied[0]} out of this push, or ask someone allowed to change it`,
        });
        continue;
      }
      if (allow && !allow.some(([g, list]) => glob(g)(file.path) && ctx.grants(list))) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not change ${showPath(file)} (no allow rule grants it)`,
          hint: 'leave the file out of this push, or ask an admin to extend the paths.allow rule',
        });
      }
    }
    return out;
  },
};
