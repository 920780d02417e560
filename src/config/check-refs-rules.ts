// Load-time checks of the refs rules (bookmarks, phases, obsolescence, tags' create list): every
// bookmark pattern is RE2 and every "@group" they name is defined, so a typo refuses pushes
// with the JSON path of the mistake instead of silently granting or denying nothing.
import { TaskgateError } from '../errors/taskgate-error.js';
import type { RuleConfig, WhoList } from './config-types.js';

/** Lookahead, lookbehind and backreferences: JavaScript has them, RE2 does not. */
const RE2_MISSING = /(?<!\\)\(\?<?[=!]|(?<!\\)\\(?:[1-9]|k<)/;

function regexProblem(value: string): string | null {
  try {
    new RegExp(value, 'u');
  } catch (error) {
    return (error as Error).message;
  }
  return RE2_MISSING.test(value) ? 'lookaround and backreferences are not available' : null;
}

/** The who-lists of a refs rule, with their JSON paths under the rule. */
function whoLists(rule: RuleConfig): Array<[string, WhoList | undefined]> {
  const out: Array<[string, WhoList | undefined]> = [];
  switch (rule.rule) {
    case 'bookmarks':
      (rule.protect ?? []).forEach((p, i) => {
        for (const key of ['create', 'move', 'delete', 'force'] as const) out.push([`protect/${i}/${key}`, p[key]]);
      });
      break;
    case 'phases':
      out.push(['publish', rule.publish]);
      break;
    case 'obsolescence':
      out.push(['prune', rule.prune]);
      break;
    case 'tags':
      out.push(['create', rule.create]);
      break;
    default:
      return [];
  }
  out.push(['except', rule.except]);
  return out;
}

/** Throws ERR_CONFIG_INVALID (an undefined group) or ERR_CONFIG_REGEX (a bookmark pattern), every problem at once. */
export function checkRefsRules(rules: readonly RuleConfig[], groups: Record<string, string[]>, path: string): void {
  const unknown: string[] = [];
  const patterns: string[] = [];
  rules.forEach((rule, i) => {
    const at = `/policy/rules/${i}`;
    for (const [key, list] of whoLists(rule)) {
      (list ?? []).forEach((who, j) => {
        const group = who.replace(/^!/, '');
        if (group.startsWith('@') && !Object.hasOwn(groups, group.slice(1)))
          unknown.push(`${at}/${key}/${j}: group "${group.slice(1)}" is not defined in identity.groups`);
      });
    }
    if (rule.rule !== 'bookmarks') return;
    (rule.protect ?? []).forEach((p, j) => {
      const problem = regexProblem(p.pattern);
      if (problem)
        patterns.push(`${at}/protect/${j}/pattern: invalid regular expression ${JSON.stringify(p.pattern)} (RE2 syntax): ${problem}`);
    });
  });
  if (unknown.length > 0) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `configuration ${path} names ${unknown.length} undefined group${unknown.length === 1 ? '' : 's'}`,
      'define each group in identity.groups (or in the file named by "extends"), or fix its name',
      { details: [...unknown, ...patterns] },
    );
  }
  if (patterns.length > 0) {
    throw new TaskgateError(
      'ERR_CONFIG_REGEX',
      `configuration ${path} has ${patterns.length} invalid bookmark pattern${patterns.length === 1 ? '' : 's'}`,
      'fix each pattern named above; patterns are RE2 syntax (no lookaround or backreferences)',
      { details: patterns },
    );
  }
}
