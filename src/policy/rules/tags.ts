// Rule `tags`: protected tags, judged as the repository resolves them.
import type { TagsRuleConfig } from '../../config/config-types.js';
import type { TagMove } from '../../hg/refs-types.js';
import { printable } from '../../errors/printable.js';
import { who } from '../describe.js';
import { regex } from '../patterns.js';
import type { RefsContext, RuleDefinition, Violation } from '../policy-types.js';

const short = (node: string) => node.slice(0, 12);

function judgeTag(config: TagsRuleConfig, tag: TagMove, ctx: RefsContext): Violation | null {
  const name = printable(tag.name);
  if (tag.old === null) {
    // a new protected tag: allowed to `create` (everyone when the list is not given)
    if (tag.new === null || config.create === undefined || ctx.grants(config.create)) return null;
    return {
      rule: config.id,
      node: null,
      message: `${who(ctx.pusher)} may not create the protected tag ${name} (at ${short(tag.new)}; allowed: ${config.create.length > 0 ? config.create.join(', ') : 'nobody'})`,
      hint: 'leave the tag to someone allowed to create it: remove the line from .hgtags and push again',
    };
  }
  return {
    rule: config.id,
    node: null,
    message:
      tag.new === null
        ? `removes the protected tag ${name} (was ${short(tag.old)})`
        : `moves the protected tag ${name} from ${short(tag.old)} to ${short(tag.new)}`,
    hint: 'published release tags are permanent, on every branch and head: drop the .hgtags change and tag a new version instead',
  };
}

/**
 * `tags`: a tag matching `protect` may not be moved or removed once published, judged on the
 * tags as the repository resolves them (every head, the newest wins) before the transaction and
 * with it pending, so an `.hgtags` edit on any branch or head counts (DESIGN §16).
 */
export const tagsRule: RuleDefinition<TagsRuleConfig> = {
  name: 'tags',
  fields: { protect: 'regex', create: 'who' },
  needs: () => ({}),
  checkRefs(config, refs, ctx) {
    if (config.protect === undefined || refs.tags.length === 0) return [];
    const protect = regex(config.protect);
    return refs.tags.filter((t) => protect.test(t.name)).flatMap((t) => judgeTag(config, t, ctx) ?? []);
  },
};
