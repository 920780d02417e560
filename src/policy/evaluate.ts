import type { RuleConfig } from '../config/config-types.js';
import type { Changeset } from '../hg/hg-types.js';
import { printable } from '../errors/printable.js';
import { who } from './describe.js';
import { glob } from './patterns.js';
import type { RuleContext, Violation } from './policy-types.js';
import { UNBYPASSABLE, ruleFor } from './rule-registry.js';

export interface BypassSettings {
  marker?: string | undefined;
  who?: readonly string[] | undefined;
  /** The reason given with `hg push --pushvars TASKGATE_BYPASS=...`, if any. */
  pushReason?: string | null | undefined;
}

export interface Bypass {
  /** null for the whole push (pushvar). */
  node: string | null;
  reason: string;
}

export interface Verdict {
  violations: Violation[];
  bypassed: Bypass[];
  changesets: number;
}

function markerReason(description: string, marker: string): string | null {
  const at = description.indexOf(marker);
  if (at < 0) return null;
  return (description.slice(at + marker.length).split('\n')[0] ?? '').trim();
}

/** Runs every enabled rule on every changeset and on the push; collects all violations, never stopping at the first. */
export function evaluatePolicy(rules: readonly RuleConfig[], changesets: readonly Changeset[], ctx: RuleContext, bypass: BypassSettings = {}): Verdict {
  const violations: Violation[] = [];
  const bypassed: Bypass[] = [];
  const bypassedNodes = new Set<string>();
  const mayBypass = ctx.grants(bypass.who ?? []);

  if (bypass.pushReason !== undefined && bypass.pushReason !== null) {
    if (mayBypass && bypass.pushReason.trim() !== '') {
      bypassed.push({ node: null, reason: bypass.pushReason.trim() });
      for (const cs of changesets) bypassedNodes.add(cs.node);
    } else {
      violations.push({ rule: 'bypass', node: null,
        message: mayBypass ? 'TASKGATE_BYPASS needs a reason' : `${who(ctx.pusher)} may not bypass the policy (TASKGATE_BYPASS)`,
        hint: mayBypass ? 'push with --pushvars "TASKGATE_BYPASS=why this push must skip the policy"' : 'push without TASKGATE_BYPASS and fix the violations' });
    }
  }
  if (bypass.marker) {
    for (const cs of changesets) {
      const reason = markerReason(cs.description, bypass.marker);
      if (reason === null || bypassedNodes.has(cs.node)) continue;
      if (mayBypass && reason !== '') {
        bypassed.push({ node: cs.node, reason });
        bypassedNodes.add(cs.node);
      } else {
        violations.push({ rule: 'bypass', node: cs.node,
          message: mayBypass ? `${printable(bypass.marker)} needs a reason after it` : `${who(ctx.pusher)} may not bypass the policy (${printable(bypass.marker)})`,
          hint: mayBypass ? `write "${bypass.marker} why" in the description` : `remove "${bypass.marker}" from the description (hg commit --amend) and fix the violations` });
      }
    }
  }

  for (const config of rules) {
    if (config.enabled === false || ctx.grants(config.except)) continue;
    const rule = ruleFor(config);
    const onBranch = config.branches ? (cs: Changeset) => config.branches!.some((g) => glob(g)(cs.branch)) : () => true;
    const applies = changesets.filter((cs) => onBranch(cs) && (UNBYPASSABLE.has(config.rule) || !bypassedNodes.has(cs.node)));
    if (rule.check) for (const cs of applies) violations.push(...rule.check(config, cs, ctx));
    if (rule.checkPush && applies.length > 0) violations.push(...rule.checkPush(config, applies, ctx));
  }
  return { violations, bypassed, changesets: changesets.length };
}
