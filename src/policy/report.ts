// The report a pusher sees (DESIGN §4): violations in push order, one aligned line each with short node, rule id, what and a hint.
import { printable } from '../errors/printable.js';
import { plural } from './describe.js';
import type { Violation } from './policy-types.js';
import type { Verdict } from './evaluate.js';

export interface ReportOptions {
  /** Node order of the changesets, so violations are listed in push order. */
  order: readonly string[];
  /** At most this many violation lines; the rest are counted. */
  max?: number;
  /** `push` for the hook, `check` for `taskgate check`. */
  mode?: 'push' | 'check';
}

/** Violations in push order: by changeset, push-wide ones last; a stable sort keeps rule order within a changeset. */
export function sortViolations(violations: readonly Violation[], order: readonly string[]): Violation[] {
  const index = new Map(order.map((n, i) => [n, i] as const));
  const at = (v: Violation) => (v.node === null ? Number.MAX_SAFE_INTEGER : (index.get(v.node) ?? Number.MAX_SAFE_INTEGER - 1));
  return [...violations].sort((a, b) => at(a) - at(b));
}

/** The text a pusher sees (DESIGN §4): one aligned line per violation, short node, rule id, what, and a hint. */
export function formatReport(verdict: Omit<Verdict, 'exempted'>, options: ReportOptions): string {
  const mode = options.mode ?? 'push';
  const { violations } = verdict;
  const nodes = new Set(violations.map((v) => v.node).filter((n): n is string => n !== null));
  const lines: string[] = [];
  // bookmark and tag violations name no changeset (pretxnclose, DESIGN §16)
  const what =
    nodes.size === 0 || verdict.changesets === 0
      ? plural(violations.length, 'violation')
      : `${plural(violations.length, 'violation')} in ${nodes.size} of ${plural(verdict.changesets, 'changeset')}`;
  lines.push(mode === 'push' ? `taskgate: push rejected: ${what}` : `taskgate: ${what}`);
  const width = Math.max(10, ...violations.map((v) => v.rule.length)) + 1;
  const indent = ' '.repeat(2 + 12 + 2 + width);
  const max = options.max ?? Number.POSITIVE_INFINITY;
  const sorted = sortViolations(violations, options.order);
  for (const v of sorted.slice(0, max)) {
    const node = v.node === null ? '(push)' : v.node.slice(0, 12);
    lines.push(`  ${node.padEnd(12)}  ${printable(v.rule).padEnd(width)}${printable(v.message)}`);
    if (v.hint) lines.push(`${indent}hint: ${printable(v.hint)}`);
  }
  if (sorted.length > max) lines.push(`  ... and ${sorted.length - max} more (run \`taskgate check\` to see them all)`);
  lines.push(
    mode === 'push'
      ? 'taskgate: nothing was added; fix the changesets above and push again'
      : 'taskgate: fix the changesets above before pushing them',
  );
  return `${lines.join('\n')}\n`;
}
