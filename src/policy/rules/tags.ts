import type { TagsRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import { regex } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

const HGTAGS = '.hgtags';
const NULL_NODE = '0'.repeat(40);

/** Tag name -> the node it points at (NULL_NODE: removed), as `.hgtags` says: later lines win. */
export function parseHgtags(content: Buffer | null | undefined): Map<string, string> {
  const tags = new Map<string, string>();
  if (!content) return tags;
  for (const line of content.toString('utf8').split('\n')) {
    const m = /^([0-9a-f]{40}) (.+)$/.exec(line.trim());
    if (m) tags.set(m[2]!.trim(), m[1]!);
  }
  return tags;
}

/** `tags`: a tag matching `protect` may not be moved or removed once published (in `.hgtags` before the push). */
export const tagsRule: RuleDefinition<TagsRuleConfig> = {
  name: 'tags',
  fields: { protect: 'regex' },
  needs: (config) => (config.protect === undefined ? {} : { track: [HGTAGS], branchBases: true }),
  check(config, cs, ctx) {
    if (config.protect === undefined || !cs.judged.some((f) => f.path === HGTAGS)) return [];
    const protect = regex(config.protect);
    // changesets are read in revision order: the first is the oldest
    const firstIncoming = ctx.push.changesets[0]?.rev ?? cs.rev;
    // published: what any pre-push version of .hgtags that was read says
    const published = new Map<string, string>();
    for (const [rev, content] of ctx.push.fileVersions.get(HGTAGS) ?? []) {
      if (rev >= firstIncoming) continue;
      for (const [tag, node] of parseHgtags(content)) if (node !== NULL_NODE) published.set(tag, node);
    }
    const before = parseHgtags(ctx.fileAt(HGTAGS, cs.parentRevs[0] ?? null));
    for (const [tag, node] of before) if (node !== NULL_NODE && !published.has(tag)) published.set(tag, node);
    const after = parseHgtags(ctx.fileAt(HGTAGS, cs.rev));
    const out: Violation[] = [];
    for (const [tag, node] of published) {
      if (!protect.test(tag)) continue;
      const now = after.get(tag);
      if (now === node) continue;
      const removed = now === undefined || now === NULL_NODE;
      out.push({
        rule: config.id,
        node: cs.node,
        message: removed
          ? `removes the protected tag ${printable(tag)}`
          : `moves the protected tag ${printable(tag)} from ${node.slice(0, 12)} to ${now.slice(0, 12)}`,
        hint: 'published release tags are permanent; tag a new version instead',
      });
    }
    return out;
  },
};
