// Runs the refs rules (bookmarks, phases, obsolescence, tags) on what a transaction changed.
import type { RuleConfig } from '../config/config-types.js';
import type { RefChanges } from '../hg/refs-types.js';
import type { Bypass, Verdict } from './evaluate.js';
import type { RefsContext, Violation } from './policy-types.js';
import { who } from './describe.js';
import { ruleFor } from './rule-registry.js';

/** Whether any enabled rule judges what a transaction changes besides changesets (pretxnclose has work to do). */
export function hasRefsRules(rules: readonly RuleConfig[]): boolean {
  return rules.some((r) => r.enabled !== false && ruleFor(r).checkRefs !== undefined);
}

/** Whether tags must be resolved before and with the transaction. */
export function needsTags(rules: readonly RuleConfig[]): boolean {
  return rules.some((r) => r.enabled !== false && r.rule === 'tags' && r.protect !== undefined);
}

/**
 * Runs every enabled refs rule (bookmarks, phases, obsolescence, tags) on what a transaction
 * changed, in the order of the configuration; every violation, never the first only. A push
 * bypass (`--pushvars TASKGATE_BYPASS=reason` from someone in `gate.bypass.who`) passes them.
 */
export function evaluateRefs(
  rules: readonly RuleConfig[],
  refs: RefChanges,
  ctx: RefsContext,
  bypass: { who?: readonly string[] | undefined; pushReason?: string | null } = {},
): Verdict {
  const violations: Violation[] = [];
  const bypassed: Bypass[] = [];
  const reason = bypass.pushReason?.trim() ?? null;
  if (reason !== null) {
    if (ctx.grants(bypass.who ?? []) && reason !== '') {
      bypassed.push({ node: null, reason });
      return { violations, bypassed, exempted: [], changesets: refs.changesets };
    }
    violations.push({
      rule: 'bypass',
      node: null,
      message: reason === '' ? 'TASKGATE_BYPASS needs a reason' : `${who(ctx.pusher)} may not bypass the policy (TASKGATE_BYPASS)`,
      hint: 'push without TASKGATE_BYPASS and fix the violations',
    });
  }
  for (const config of rules) {
    if (config.enabled === false || ctx.grants(config.except)) continue;
    const rule = ruleFor(config);
    if (rule.checkRefs) violations.push(...rule.checkRefs(config, refs, ctx));
  }
  // exemptWhen, exceptAuthors and paths judge changesets; refs rules take except alone
  return { violations, bypassed, exempted: [], changesets: refs.changesets };
}
