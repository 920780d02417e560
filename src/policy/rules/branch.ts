/** The `branch` rule: branch names, and who may push to, create, close or not push to a branch. */
import type { BranchRuleConfig } from '../../config/config-types.js';
import { printable } from '../../errors/printable.js';
import { who, whoText } from '../describe.js';
import { glob, regex } from '../patterns.js';
import type { RuleDefinition, Violation } from '../policy-types.js';

/** `branch`: names match `names`; `push`, `create` and `close` each need their who-list; `deny` names who may not push. */
export const branchRule: RuleDefinition<BranchRuleConfig> = {
  name: 'branch',
  fields: { names: 'regex', push: 'globToWho', deny: 'globToWho', create: 'who', close: 'who' },
  needs: (config) => ({ branchBases: config.create !== undefined }),
  check(config, cs, ctx) {
    const out: Violation[] = [];
    // escaped only for a message: most changesets have none
    const name = () => printable(cs.branch);
    if (config.names !== undefined && !regex(config.names).test(cs.branch)) {
      out.push({
        rule: config.id,
        node: cs.node,
        message: `branch name "${name()}" does not match ${config.names}`,
        hint: 'rename the branch (hg branch NAME, then recommit) to a name the policy allows',
      });
    }
    for (const [pattern, list] of Object.entries(config.push ?? {})) {
      if (glob(pattern)(cs.branch) && !ctx.grants(list)) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not push to branch ${name()} (allowed: ${whoText(list)})`,
          hint: 'push to another branch and ask someone allowed to merge it',
        });
      }
    }
    for (const [pattern, list] of Object.entries(config.deny ?? {})) {
      if (glob(pattern)(cs.branch) && ctx.reaches(list)) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not push to branch ${name()} (denied to ${whoText(list)})`,
          hint: 'push to another branch and ask someone allowed to merge it',
        });
      }
    }
    if (config.create !== undefined && cs.branch !== 'default') {
      const base = ctx.push.branches.get(cs.branch);
      // report a new branch once, on its first changesets: those whose parents are all on other branches
      const firstOfBranch = () => !cs.parentRevs.some((p) => ctx.changesetAt(p)?.branch === cs.branch);
      if (base && !base.existed && firstOfBranch() && !ctx.grants(config.create)) {
        out.push({
          rule: config.id,
          node: cs.node,
          message: `${who(ctx.pusher)} may not create branch ${name()} (allowed: ${whoText(config.create)})`,
          hint: 'commit on an existing branch, or ask someone allowed to create the branch first',
        });
      }
    }
    if (config.close !== undefined && cs.closesBranch && !ctx.grants(config.close)) {
      out.push({
        rule: config.id,
        node: cs.node,
        message: `${who(ctx.pusher)} may not close branch ${name()} (allowed: ${whoText(config.close)})`,
        hint: 'strip the closing changeset (hg strip) and ask someone allowed to close the branch',
      });
    }
    return out;
  },
};
