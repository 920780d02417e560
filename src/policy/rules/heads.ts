/** The `heads` rule: one open head per branch, no new root, a bound on the branches one push touches. */
import type { HeadsRuleConfig } from '../../config/config-types.js';
import type { Changeset } from '../../hg/hg-types.js';
import { printable } from '../../errors/printable.js';
import type { RuleContext, RuleDefinition, Violation } from '../policy-types.js';

function multipleHeads(config: HeadsRuleConfig, changesets: Changeset[], ctx: RuleContext): Violation[] {
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
}

/** Changesets without parents, beyond the one root the first push into an empty repository brings. */
function newRoots(config: HeadsRuleConfig, changesets: Changeset[], ctx: RuleContext): Violation[] {
  // read in revision order: revision 0 among them means the repository was empty before
  const empty = ctx.push.changesets[0]?.rev === 0;
  const roots = changesets.filter((cs) => cs.parentRevs.length === 0);
  return roots.slice(empty ? 1 : 0).map((cs) => ({
    rule: config.id,
    node: cs.node,
    message: `starts a new root (history unrelated to the repository's, on branch ${printable(cs.branch)})`,
    hint: "rebase it onto the repository's history (hg pull; hg rebase -d default), or keep it in a repository of its own",
  }));
}

/** One violation, on the first changeset of the first branch past the limit. */
function tooManyBranches(config: HeadsRuleConfig, changesets: Changeset[], limit: number): Violation[] {
  const firsts = new Map<string, Changeset>();
  for (const cs of changesets) if (!firsts.has(cs.branch)) firsts.set(cs.branch, cs);
  if (firsts.size <= limit) return [];
  const names = [...firsts.keys()].map(printable);
  return [
    {
      rule: config.id,
      node: [...firsts.values()][limit]!.node,
      message: `the push touches ${firsts.size} branches (${names.join(', ')}); at most ${limit} per push`,
      hint: 'push the branches one at a time (hg push -b BRANCH)',
    },
  ];
}

/** `heads`: after the push, no touched branch has two open heads; `singleRoot`, `branchesPerPush`. */
export const headsRule: RuleDefinition<HeadsRuleConfig> = {
  name: 'heads',
  fields: {},
  needs: (config) => ({ heads: config.singleHeadPerBranch !== false }),
  checkPush(config, changesets, ctx) {
    const out: Violation[] = [];
    if (config.singleHeadPerBranch !== false) out.push(...multipleHeads(config, changesets, ctx));
    if (config.singleRoot) out.push(...newRoots(config, changesets, ctx));
    if (config.branchesPerPush !== undefined) out.push(...tooManyBranches(config, changesets, config.branchesPerPush));
    return out;
  },
};
