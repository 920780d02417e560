// The policy's shapes: a violation, what a rule may know of the push (and refs rules of a transaction), a rule's definition, its needs.
import type { RuleConfig } from '../config/config-types.js';
import type { Changeset, PushData, ReadOptions } from '../hg/hg-types.js';
import type { RefChanges } from '../hg/refs-types.js';
import type { IdentityConfig, Pusher } from '../identity/pusher.js';
import type { ManifestResult } from '../manifest/manifest-types.js';

export interface Violation {
  /** The rule's id (or `bypass` for a refused bypass marker). */
  rule: string;
  /** Full node of the changeset, or null for a push-wide violation. */
  node: string | null;
  /** What is wrong, plain text; the report escapes it. */
  message: string;
  hint?: string;
}

/** What a rule may know: the data the gate read, the pusher, and questions the gate answers for it. */
export interface RuleContext {
  push: PushData;
  pusher: Pusher;
  identity: IdentityConfig;
  manifestPath: string;
  /** `tokens.audience`: the audience of job tokens, which no task's `audience` may take. */
  workerAudience: string;
  /** Does the who-list grant the pusher this permission? (The unknown pusher: never.) */
  grants(who: readonly string[] | undefined): boolean;
  /** Does a who-list in a deny position reach the pusher? ("*" reaches the unknown pusher too.) */
  reaches(who: readonly string[] | undefined): boolean;
  /** The parsed task manifest as of a revision: null when the file is absent there, undefined when it was not read. */
  manifestAt(rev: number | null): ManifestResult | null | undefined;
  /** The revision whose manifest holds "before the push" for a changeset (DESIGN §4 ownership). */
  baseRevOf(cs: Changeset): number | null;
  /** The changeset read at a revision, if it is one of those read. */
  changesetAt(rev: number): Changeset | undefined;
  /** The contents of a tracked file at a revision. */
  fileAt(path: string, rev: number | null): Buffer | null | undefined;
}

/**
 * What a configuration value holds, for the load-time check (every one named by its JSON path):
 * `regex` one RE2 pattern, `regexes` a list of them, `globs` a list of globs, `who` a who-list,
 * `globToWho` globs mapped to who-lists, `globToRegexes` globs mapped to lists of patterns.
 */
export type FieldKind = 'regex' | 'regexes' | 'globs' | 'who' | 'globToWho' | 'globToRegexes';

export interface RuleDefinition<C extends RuleConfig = RuleConfig> {
  name: C['rule'];
  /** The rule's own keys that hold patterns or who-lists (`a/b` for a nested key); every rule's common keys are known already. */
  fields: Record<string, FieldKind>;
  /** True when the rule judges files, so its `paths` option narrows the files it sees, not only the changesets. */
  filesScoped?: boolean;
  /** True when no bypass skips the rule (DESIGN §4: secrets, manifest). */
  unbypassable?: boolean;
  /** What the rule needs hg to read beyond the changesets. */
  needs(config: C, manifestPath: string): Needs;
  /** True when `check` needs nothing but the changeset and the pusher, so it may run while the push is still being read. */
  perChangeset?: boolean;
  /** Violations of one changeset. */
  check?(config: C, cs: Changeset, ctx: RuleContext): Violation[];
  /** Violations of the push as a whole, over the changesets the rule applies to. */
  checkPush?(config: C, changesets: Changeset[], ctx: RuleContext): Violation[];
  /** Violations of what the transaction changed besides changesets: judged by pretxnclose (DESIGN §16). */
  checkRefs?(config: C, refs: RefChanges, ctx: RefsContext): Violation[];
}

/** What a refs rule may know: the pusher, and whether a who-list grants them something. */
export interface RefsContext {
  pusher: Pusher;
  grants(who: readonly string[] | undefined): boolean;
}

/** What a rule needs hg to read beyond the changesets: a part of what the reader offers. */
export type Needs = Pick<
  ReadOptions,
  'sizes' | 'addedLines' | 'track' | 'headFiles' | 'heads' | 'branchBases' | 'flags' | 'parentBranches'
>;
