/** What part of a push one configured rule looks at (DESIGN §18): branches, paths, authors and its exemption by description. */
import type { RuleConfig } from '../config/config-types.js';
import type { Changeset } from '../hg/hg-types.js';
import { glob, regex } from './patterns.js';
import type { RuleDefinition } from './policy-types.js';

/** One exemption by `exemptWhen`: the audit trail names the rule, the changesets and the text that matched. */
export interface Exemption {
  rule: string;
  pattern: string;
  changesets: string[];
  matched: string;
}

/** At most this much of the matched text is kept for the audit trail. */
const MATCHED_MAX = 200;

/** The text `pattern` matched in a description, or null. */
export function exemptingText(pattern: string, description: string): string | null {
  const at = regex(pattern).search(description);
  return at === null ? null : description.slice(at.start, Math.min(at.end, at.start + MATCHED_MAX));
}

/** A changeset narrowed to the files matching `keep`: its judged files, with their sizes, flags and added lines. */
function narrowed(cs: Changeset, keep: (path: string) => boolean): Changeset {
  const indexes = cs.judged.map((f, i) => (keep(f.path) ? i : -1)).filter((i) => i >= 0);
  const view: Changeset = { ...cs, judged: indexes.map((i) => cs.judged[i]!) };
  if (cs.sizes) view.sizes = indexes.map((i) => cs.sizes![i]!);
  if (cs.flags) view.flags = indexes.map((i) => cs.flags![i]!);
  if (cs.added) view.added = cs.added.filter((a) => keep(a.file.path));
  return view;
}

/** A configured rule with the questions its common options answer. */
export class RuleScope {
  private readonly paths: ((path: string) => boolean) | null;

  constructor(
    readonly config: RuleConfig,
    readonly rule: RuleDefinition,
    readonly position: number,
  ) {
    const globs = config.paths;
    this.paths = globs && globs.length > 0 ? (p) => globs.some((g) => glob(g)(p)) : null;
  }

  /** Whether it may run as each changeset arrives: a push-wide exemption needs the push's last description first. */
  get perChangeset(): boolean {
    return this.rule.perChangeset === true && this.config.exemptWhen?.scope !== 'push';
  }

  /** Whether `view` can leave a changeset out or narrow it (branches, authors, paths). */
  get narrows(): boolean {
    return this.config.branches !== undefined || this.config.exceptAuthors !== undefined || this.paths !== null;
  }

  /** The changeset as this rule sees it, or null when the rule does not look at it (branch, paths, author). */
  view(cs: Changeset): Changeset | null {
    const { branches, exceptAuthors } = this.config;
    if (branches && !branches.some((g) => glob(g)(cs.branch))) return null;
    if (exceptAuthors && exceptAuthors.some((p) => regex(p).test(cs.author))) return null;
    if (!this.paths) return cs;
    if (!cs.judged.some((f) => this.paths!(f.path))) return null;
    return this.rule.filesScoped ? narrowed(cs, this.paths) : cs;
  }

  /** The hint of a violation of this rule: with `exemptWhen`, it names the pattern that exempts. */
  hint(hint: string | undefined): string | undefined {
    const exempt = this.config.exemptWhen;
    if (!exempt) return hint;
    const how = `a description matching ${exempt.message}${exempt.scope === 'push' ? " (on the push's last changeset)" : ''} exempts it from this rule`;
    return hint ? `${hint}; or ${how}` : how;
  }
}
