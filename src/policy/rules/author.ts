// Rule `author`: the author matches a pattern and, with `matchPusher`, carries one of the pusher's emails.
import type { AuthorRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import { who } from '../describe.js';
import { regex } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

function emailOf(author: string): string | null {
  const m = /<([^<>]*)>\s*$/.exec(author);
  if (m) return m[1]!.trim().toLowerCase();
  return author.includes('@') && !/\s/.test(author.trim()) ? author.trim().toLowerCase() : null;
}

/** `author`: the author matches `pattern`; with `matchPusher`, the author's email is one of the pusher's. */
export const authorRule: RuleDefinition<AuthorRuleConfig> = {
  name: 'author',
  fields: { pattern: 'regex' },
  perChangeset: true,
  needs: () => ({}),
  check(config, cs, ctx) {
    const out: Violation[] = [];
    if (config.pattern !== undefined && !regex(config.pattern).test(cs.author)) {
      out.push({
        rule: config.id,
        node: cs.node,
        message: `author "${printable(cs.author)}" does not match ${config.pattern}`,
        hint: 'set ui.username in your ~/.hgrc, then hg commit --amend --user "Name <you@example.com>"',
      });
    }
    if (config.matchPusher) {
      const email = emailOf(cs.author);
      const mine = ctx.pusher.name === null ? [] : (ctx.identity.users[ctx.pusher.name]?.emails ?? []).map((e) => e.toLowerCase());
      if (email === null || !mine.includes(email)) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `author "${printable(cs.author)}" is not ${who(ctx.pusher)}${mine.length === 0 ? ' (who has no email in identity.users)' : ''}`,
          hint: 'push only your own changesets, or ask an admin to add your email to identity.users',
        });
      }
    }
    return out;
  },
};
