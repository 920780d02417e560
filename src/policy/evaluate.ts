// The policy evaluator: every enabled rule on every changeset and on the push, bypasses and exemptions, all violations collected.
import type { RuleConfig } from '../config/config-types.js';
import type { Changeset } from '../hg/hg-types.js';
import { printable } from '../errors/printable.js';
import { who } from './describe.js';
import type { RuleContext, Violation } from './policy-types.js';
import { ruleFor } from './rule-registry.js';
import { exemptingText, RuleScope, type Exemption } from './rule-scope.js';

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
  /** Changesets a rule's `exemptWhen` exempted (audited). */
  exempted: Exemption[];
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

/** Sorts after every changeset: push-wide violations, and refused push variables. */
const PUSH_WIDE = Number.MAX_SAFE_INTEGER - 1;

/**
 * Runs every enabled rule on every changeset and on the push; collects all violations,
 * never stopping at the first. Rules that look only at one changeset run as each
 * changeset arrives (while hg is still reading the rest); the others run at the end.
 */
export class PolicyEvaluator {
  private readonly found: Ranked[] = [];
  private readonly bypassed: Bypass[] = [];
  private readonly bypassedNodes = new Set<string>();
  private readonly exempted: Exemption[] = [];
  private readonly changesets: Changeset[] = [];
  private readonly active: RuleScope[];
  private readonly mayBypass: boolean;
  private wholePush = false;

  constructor(
    rules: readonly RuleConfig[],
    private readonly ctx: RuleContext,
    private readonly bypass: BypassSettings = {},
  ) {
    this.mayBypass = ctx.grants(bypass.who ?? []);
    this.active = rules
      .map((config, position) => new RuleScope(config, ruleFor(config), position))
      .filter((scope) => scope.config.enabled !== false && !ctx.grants(scope.config.except));
    if (bypass.pushReason !== undefined && bypass.pushReason !== null) this.pushVariable(bypass.pushReason);
  }

  private pushVariable(reason: string): void {
    if (this.mayBypass && reason.trim() !== '') {
      this.bypassed.push({ node: null, reason: reason.trim() });
      this.wholePush = true;
      return;
    }
    this.found.push({
      cs: Number.MAX_SAFE_INTEGER,
      rule: -1,
      v: {
        rule: 'bypass',
        node: null,
        message: this.mayBypass ? 'TASKGATE_BYPASS needs a reason' : `${who(this.ctx.pusher)} may not bypass the policy (TASKGATE_BYPASS)`,
        hint: this.mayBypass
          ? 'push with --pushvars "TASKGATE_BYPASS=why this push must skip the policy"'
          : 'push without TASKGATE_BYPASS and fix the violations',
      },
    });
  }

  private marker(cs: Changeset, index: number): void {
    const marker = this.bypass.marker;
    if (this.wholePush) this.bypassedNodes.add(cs.node);
    if (this.wholePush || !marker) return;
    const reason = markerReason(cs.description, marker);
    if (reason === null) return;
    if (this.mayBypass && reason !== '') {
      this.bypassed.push({ node: cs.node, reason });
      this.bypassedNodes.add(cs.node);
      return;
    }
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

  /** One changeset as the rule sees it, or null when the rule skips it: bypass, scope and a per-changeset exemption applied. */
  private judgedOne(scope: RuleScope, cs: Changeset, audit: boolean): Changeset | null {
    if (!scope.rule.unbypassable && this.bypassedNodes.has(cs.node)) return null;
    const view = scope.view(cs);
    if (!view) return null;
    const exempt = scope.config.exemptWhen;
    const matched = exempt && exempt.scope !== 'push' ? exemptingText(exempt.message, cs.description) : null;
    if (matched === null) return view;
    if (audit) this.exempt(scope, [cs.node], matched);
    return null;
  }

  /** The changesets (as the rule sees them) a rule judges. */
  private judged(scope: RuleScope, changesets: readonly Changeset[], audit = true): Changeset[] {
    // nothing bypassed and nothing that narrows the rule: every changeset as it is (most policies, most pushes)
    const bypassed = !scope.rule.unbypassable && this.bypassedNodes.size > 0;
    if (!bypassed && !scope.narrows && scope.config.exemptWhen === undefined) return [...changesets];
    const out: Changeset[] = [];
    for (const cs of changesets) {
      const view = this.judgedOne(scope, cs, audit);
      if (view) out.push(view);
    }
    return out;
  }

  private exempt(scope: RuleScope, nodes: string[], matched: string): void {
    const pattern = scope.config.exemptWhen!.message;
    const same = this.exempted.find((e) => e.rule === scope.config.id && e.matched === matched);
    if (same) same.changesets.push(...nodes);
    else this.exempted.push({ rule: scope.config.id, pattern, changesets: nodes, matched });
  }

  private report(scope: RuleScope, violations: Violation[], cs: number): void {
    for (const v of violations) this.found.push({ v: { ...v, hint: scope.hint(v.hint) }, cs, rule: scope.position });
  }

  /** One changeset, as it is read: the bypass marker and the rules that need nothing else. */
  add(cs: Changeset): void {
    const index = this.changesets.length;
    this.changesets.push(cs);
    this.marker(cs, index);
    for (const scope of this.active) {
      if (!scope.perChangeset || !scope.rule.check) continue;
      const view = this.judgedOne(scope, cs, true);
      if (view) this.report(scope, scope.rule.check(scope.config, view, this.ctx), index);
    }
  }

  /** Whether the push's last description exempts the whole push from a rule (`scope: "push"`), audited when it does. */
  private pushExempt(scope: RuleScope): boolean {
    const exempt = scope.config.exemptWhen;
    const last = this.changesets.at(-1);
    if (exempt?.scope !== 'push' || !last) return false;
    const matched = exemptingText(exempt.message, last.description);
    if (matched === null) return false;
    this.exempt(
      scope,
      this.changesets.map((cs) => cs.node),
      matched,
    );
    return true;
  }

  /** The rest, once the whole push is read. */
  finish(): Verdict {
    const index = new Map(this.changesets.map((cs, i) => [cs.node, i] as const));
    for (const scope of this.active) {
      const { rule, config } = scope;
      if (scope.perChangeset && !rule.checkPush) continue;
      if (this.pushExempt(scope)) continue;
      // per-changeset rules recorded their exemptions as the changesets arrived
      const applies = this.judged(scope, this.changesets, !scope.perChangeset);
      if (rule.check && !scope.perChangeset)
        applies.forEach((cs) => this.report(scope, rule.check!(config, cs, this.ctx), index.get(cs.node)!));
      if (rule.checkPush && applies.length > 0) this.report(scope, rule.checkPush(config, applies, this.ctx), PUSH_WIDE);
    }
    // push order, then the order of the rules in the configuration
    const rank = (r: Ranked) => (r.v.node !== null && r.cs >= PUSH_WIDE ? (index.get(r.v.node) ?? r.cs) : r.cs);
    const violations = this.found.sort((a, b) => rank(a) - rank(b) || a.rule - b.rule).map((r) => r.v);
    return { violations, bypassed: this.bypassed, exempted: this.exempted, changesets: this.changesets.length };
  }
}
