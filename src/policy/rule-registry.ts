/** The rule registry: a new rule is one file under rules/ plus one line here (its name, config keys and checks come from it). */
import type { RuleConfig } from '../config/config-types.js';
import type { RuleDefinition } from './policy-types.js';
import { authorRule } from './rules/author.js';
import { branchRule } from './rules/branch.js';
import { filesRule } from './rules/files.js';
import { headsRule } from './rules/heads.js';
import { manifestRule } from './rules/manifest.js';
import { mergesRule } from './rules/merges.js';
import { messageRule } from './rules/message.js';
import { ownershipRule } from './rules/ownership.js';
import { pathsRule } from './rules/paths.js';
import { secretsRule } from './rules/secrets.js';
import { tagsRule } from './rules/tags.js';
import { bookmarksRule } from './rules/bookmarks.js';
import { phasesRule } from './rules/phases.js';
import { obsolescenceRule } from './rules/obsolescence.js';

/** Every rule taskgate knows, by name. */
export const RULES: { [N in RuleConfig['rule']]: RuleDefinition<Extract<RuleConfig, { rule: N }>> } = {
  message: messageRule,
  author: authorRule,
  branch: branchRule,
  paths: pathsRule,
  files: filesRule,
  secrets: secretsRule,
  heads: headsRule,
  merges: mergesRule,
  tags: tagsRule,
  bookmarks: bookmarksRule,
  phases: phasesRule,
  obsolescence: obsolescenceRule,
  ownership: ownershipRule,
  manifest: manifestRule,
};

/** The rule names, for error text: from the registry, never a hand-written list. */
export const RULE_NAMES: readonly string[] = Object.keys(RULES);

export function ruleFor<C extends RuleConfig>(config: C): RuleDefinition<C> {
  return RULES[config.rule] as unknown as RuleDefinition<C>;
}
