/** The policy's load-time check (DESIGN §3, §18): patterns compile in RE2, globs in picomatch, groups are defined; each problem by JSON path. */
import type { RuleConfig, TaskgateConfig } from '../config/config-types.js';
import { globError } from '../config/globs.js';
import type { ConfigChecks } from '../config/load-config.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { loadPatternEngineNow, regexError } from './patterns.js';
import type { FieldKind } from './policy-types.js';
import { RULE_NAMES, ruleFor } from './rule-registry.js';

/** Keys every rule takes (DESIGN §4, §18). */
const COMMON: Record<string, FieldKind> = {
  except: 'who',
  branches: 'globs',
  paths: 'globs',
  exceptAuthors: 'regexes',
  'exemptWhen/message': 'regex',
};

interface Problem {
  kind: 'invalid' | 'regex' | 'glob';
  text: string;
}

/** What to check: `regexes: false` leaves RE2 to later (the gate loads it while hg starts), `only` checks nothing else. */
export interface CheckScope {
  regexes: boolean;
  only?: 'regexes';
}

const escapeKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

class Collector {
  readonly problems: Problem[] = [];
  constructor(
    private readonly groups: Record<string, unknown>,
    private readonly scope: CheckScope,
  ) {}

  regex(value: unknown, at: string): void {
    if (typeof value !== 'string' || !this.scope.regexes) return;
    const why = regexError(value);
    if (why) this.problems.push({ kind: 'regex', text: `${at}: invalid regular expression ${JSON.stringify(value)} (RE2 syntax): ${why}` });
  }

  glob(value: unknown, at: string): void {
    if (typeof value !== 'string' || this.scope.only) return;
    const why = globError(value);
    if (why) this.problems.push({ kind: 'glob', text: `${at}: invalid glob ${JSON.stringify(value)}: ${why}` });
  }

  who(list: unknown, at: string): void {
    if (!Array.isArray(list) || this.scope.only) return;
    list.forEach((entry: unknown, i) => {
      if (typeof entry !== 'string') return;
      const bare = entry.startsWith('!') ? entry.slice(1) : entry;
      if (!bare.startsWith('@') || Object.hasOwn(this.groups, bare.slice(1))) return;
      this.problems.push({
        kind: 'invalid',
        text: `${at}/${i}: the group ${JSON.stringify(bare.slice(1))} is not defined in identity.groups`,
      });
    });
  }

  field(kind: FieldKind, value: unknown, at: string): void {
    const list = Array.isArray(value) ? (value as unknown[]) : [];
    const map = value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.entries(value) : [];
    switch (kind) {
      case 'regex':
        return this.regex(value, at);
      case 'regexes':
        return list.forEach((p, i) => this.regex(p, `${at}/${i}`));
      case 'globs':
        return list.forEach((g, i) => this.glob(g, `${at}/${i}`));
      case 'who':
        return this.who(value, at);
      case 'globToWho':
        return map.forEach(([g, who]) => (this.glob(g, `${at}/${escapeKey(g)}`), this.who(who, `${at}/${escapeKey(g)}`)));
      case 'globToRegexes':
        return map.forEach(([g, ps]) => (this.glob(g, `${at}/${escapeKey(g)}`), this.field('regexes', ps, `${at}/${escapeKey(g)}`)));
    }
  }
}

function valueAt(rule: RuleConfig, key: string): unknown {
  let value: unknown = rule;
  for (const part of key.split('/'))
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  return value;
}

/** Every problem of the policy part of a configuration, in file order. */
export function policyProblems(config: TaskgateConfig, scope: CheckScope): Problem[] {
  if (scope.regexes) loadPatternEngineNow();
  const c = new Collector(config.identity.groups, scope);
  c.who(config.gate.bypass?.who, '/gate/bypass/who');
  config.policy.rules.forEach((rule, i) => {
    const at = `/policy/rules/${i}`;
    const fields = { ...COMMON, ...ruleFor(rule).fields };
    for (const [key, kind] of Object.entries(fields)) c.field(kind, valueAt(rule, key), `${at}/${key}`);
  });
  return c.problems;
}

/** Throws one TaskgateError naming every problem: a who-list's undefined group first in importance, then patterns, then globs. */
export function assertPolicy(config: TaskgateConfig, scope: CheckScope): void {
  const problems = policyProblems(config, scope);
  if (problems.length === 0) return;
  const has = (kind: Problem['kind']) => problems.some((p) => p.kind === kind);
  const code = has('invalid') ? 'ERR_CONFIG_INVALID' : has('regex') ? 'ERR_CONFIG_REGEX' : 'ERR_CONFIG_GLOB';
  throw new TaskgateError(
    code,
    `configuration ${config.source.path} has ${problems.length} invalid entr${problems.length === 1 ? 'y' : 'ies'}`,
    'fix each entry named above: regular expressions are RE2 syntax (no lookaround or backreferences), globs are picomatch globs, groups are defined in identity.groups',
    { details: problems.map((p) => p.text) },
  );
}

/** The checks `loadConfig` runs for the policy; `regexes: false` for the gate, which checks them once RE2 is loaded (`assertPolicy` with `only`). */
export function policyChecks(scope: CheckScope = { regexes: true }): ConfigChecks {
  return { ruleNames: RULE_NAMES, check: (config) => assertPolicy(config, scope) };
}
