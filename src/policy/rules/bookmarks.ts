// Rule `bookmarks`: who may create, move, force-move and delete protected bookmarks.
import type { BookmarkProtection, BookmarksRuleConfig } from '../../config/config-types.js';
import type { BookmarkMove } from '../../hg/refs-types.js';
import { printable } from '../../errors/printable.js';
import { who } from '../describe.js';
import { regex } from '../patterns.js';
import type { RefsContext, RuleDefinition, Violation } from '../policy-types.js';

type Action = 'create' | 'move' | 'delete' | 'force';

const short = (node: string | null) => (node === null ? 'nothing' : node.slice(0, 12));

/** What a move is: a new bookmark, a forward move, a move elsewhere (needs force), or a deletion. */
function actionOf(move: BookmarkMove): Action {
  if (move.old === null) return 'create';
  if (move.new === null) return 'delete';
  return move.descends === true ? 'move' : 'force';
}

function describeMove(action: Action, move: BookmarkMove): string {
  const name = printable(move.name);
  switch (action) {
    case 'create':
      return `create bookmark ${name} (at ${short(move.new)})`;
    case 'delete':
      return `delete bookmark ${name} (at ${short(move.old)})`;
    case 'move':
      return `move bookmark ${name} from ${short(move.old)} to ${short(move.new)}`;
    case 'force':
      return `force-move bookmark ${name} from ${short(move.old)} to ${short(move.new)} (not a descendant)`;
  }
}

function hintFor(action: Action, move: BookmarkMove): string {
  const name = printable(move.name);
  switch (action) {
    case 'delete':
      return `keep it: hg bookmark -r ${short(move.old)} ${name}, then push again; or ask someone allowed to delete it`;
    case 'force':
      return `move it only forward, to a descendant of ${short(move.old)}; or ask someone allowed to force it`;
    default:
      return `push without -B ${name} (hg push -r REV), or ask someone allowed to ${action} it`;
  }
}

function judgeMove(config: BookmarksRuleConfig, move: BookmarkMove, ctx: RefsContext): Violation[] {
  const action = actionOf(move);
  const matching = (config.protect ?? []).filter((p: BookmarkProtection) => regex(p.pattern).test(move.name));
  // every protection whose pattern matches must grant it; a list that is not given grants nobody
  const refusing = matching.find((p) => !ctx.grants(p[action] ?? []));
  if (!refusing) return [];
  const allowed = refusing[action] ?? [];
  return [
    {
      rule: config.id,
      node: null,
      message: `${who(ctx.pusher)} may not ${describeMove(action, move)} (allowed: ${allowed.length > 0 ? allowed.join(', ') : 'nobody'})`,
      hint: hintFor(action, move),
    },
  ];
}

/** `bookmarks`: protected bookmarks (by RE2 pattern) and who may create, move, delete or force-move them. */
export const bookmarksRule: RuleDefinition<BookmarksRuleConfig> = {
  name: 'bookmarks',
  // protect[] holds objects: its patterns and who-lists are checked by config/check-refs-rules.ts
  fields: {},
  needs: () => ({}),
  checkRefs(config, refs, ctx) {
    return refs.bookmarks.flatMap((move) => judgeMove(config, move, ctx));
  },
};
