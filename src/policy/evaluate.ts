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

interface Ranked {
  v: Violation;
  cs: number;
  rule: number;
}

/**
 * Runs every enabled rule on every changeset and on the push; collects all violations,
 * never stopping at the first. Rules that look only at one changeset run as each
 * changeset arrives (while hg is still reading the rest); the others run at the end.
 */
export class PolicyEvaluator {
  private readonly found: Ranked[] = [];
  private readonly bypassed: Bypass[] = [];
  private readonly bypassedNodes = new Set<string>();
  private readonly changesets: Changeset[] = [];
  private readonly active: Array<{ config: RuleConfig; position: number; onBranch: (cs: Changeset) => boolean }>;
  private readonly mayBypass: boolean;
  private readonly wholePush: boolean;

  constructor(
    rules: readonly RuleConfig[],
    private readonly ctx: RuleContext,
    private readonly bypass: BypassSettings = {},
  ) {
    this.mayBypass = ctx.grants(bypass.who ?? []);
    this.active = rules
      .map((config, position) => ({ config, position }))
      .filter(({ config }) => config.enabled !== false && !ctx.grants(config.except))
      .map(({ config, position }) => ({
        config,
        position,
        onBranch: config.branches ? (cs: Changeset) => config.branches!.some((g) => glob(g)(cs.branch)) : () => true,
      }));
    this.wholePush = false;
    if (bypass.pushReason !== undefined && bypass.pushReason !== null) {
      if (this.mayBypass && bypass.pushReason.trim() !== '') {
        this.bypassed.push({ node: null, reason: bypass.pushReason.trim() });
        this.wholePush = true;
      } else {
        this.found.push({
          cs: Number.MAX_SAFE_INTEGER,
          rule: -1,
          v: {
            rule: 'bypass',
            node: null,
            message: this.mayBypass ? 'TASKGATE_BYPASS needs a reason' : `${who(ctx.pusher)} may not bypass the policy (TASKGATE_BYPASS)`,
            hint: this.mayBypass
              ? 'push with --pushvars "TASKGATE_BYPASS=why this push must skip the policy"'
              : 'push without TASKGATE_BYPASS and fix the violations',
          },
        });
      }
    }
  }

  private applies(config: RuleConfig, cs: Changeset): boolean {
    return UNBYPASSABLE.has(config.rule) || !this.bypassedNodes.has(cs.node);
  }

  /** One changeset, as it is read: the bypass marker and the rules that need nothing else. */
  add(cs: Changeset): void {
    const index = this.changesets.length;
    this.changesets.push(cs);
    const marker = this.bypass.marker;
    if (this.wholePush) this.bypassedNodes.add(cs.node);
    else if (marker) {
      const reason = markerReason(cs.description, marker);
      if (reason !== null) {
        if (this.mayBypass && reason !== '') {
          this.bypassed.push({ node: cs.node, reason });
          this.bypassedNodes.add(cs.node);
        } else {
          this.found.push({
            cs: index,
            rule: -1,
            v: {
              rule: 'bypass',
              node: cs.node,
              message: this.mayBypass
                ? `${printable(marker)} needs a reason after it`
                : `${who(this.ctx.pusher)} may not bypass the policy (${printable(marker)})`,
              hint: this.mayBypass
                ? `write "${marker} why" in the description`
                : `remove "${marker}" from the description (hg commit --amend) and fix the violations`,
            },
          });
        }
      }
    }
    for (const { config, position, onBranch } of this.active) {
      const rule = ruleFor(config);
      if (!rule.perChangeset || !rule.check || !onBranch(cs) || !this.applies(config, cs)) continue;
      for (const v of rule.check(config, cs, this.ctx)) this.found.push({ v, cs: index, rule: position });
    }
  }

  /** The rest, once the whole push is read. */
  finish(): Verdict {
    const index = new Map(this.changesets.map((cs, i) => [cs.node, i] as const));
    for (const { config, position, onBranch } of this.active) {
      const rule = ruleFor(config);
      const applies = this.changesets.filter((cs) => onBranch(cs) && this.applies(config, cs));
      if (rule.check && !rule.perChangeset) {
        applies.forEach((cs) => {
          for (const v of rule.check!(config, cs, this.ctx)) this.found.push({ v, cs: index.get(cs.node)!, rule: position });
        });
      }
      if (rule.checkPush && applies.length > 0) {
        for (const v of rule.checkPush(config, applies, this.ctx)) this.found.push({ v, cs: Number.MAX_SAFE_INTEGER - 1, rule: position });
      }
    }
    // push order, then the order of the rules in the configuration
    const rank = (r: Ranked) => (r.v.node !== null && r.cs >= Number.MAX_SAFE_INTEGER - 1 ? (index.get(r.v.node) ?? r.cs) : r.cs);
    const violations = this.found.sort((a, b) => rank(a) - rank(b) || a.rule - b.rule).map((r) => r.v);
    return { violations, bypassed: this.bypassed, changesets: this.changesets.length };
  }
}
