import type { RE2JS } from 're2js';
import { compileGlob, type Matcher } from '../config/globs.js';
import { TaskgateError } from '../errors/taskgate-error.js';

/** A configured regular expression: `test` says whether it matches anywhere in the text. */
export interface Pattern {
  test(text: string): boolean;
}

const regexes = new Map<string, Pattern>();
let engine: typeof RE2JS | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads RE2 (re2js) once. The gate starts this while its hg process starts, so the push
 * never waits for it; `regex` needs it loaded.
 */
export function loadPatternEngine(): Promise<void> {
  loading ??= import('re2js').then((m) => {
    engine = m.RE2JS;
  });
  return loading;
}
const globs = new Map<string, Matcher>();

/**
 * A configured regular expression, compiled once per process (the config loader already
 * proved it compiles). RE2 (re2js), not JavaScript's backtracking engine: matching takes time
 * linear in the text, so no description, author or tag a pusher writes can make the gate
 * backtrack for hours (ReDoS).
 */
export function regex(pattern: string): Pattern {
  let re = regexes.get(pattern);
  if (!re) {
    if (!engine)
      throw new TaskgateError('ERR_INTERNAL', 'a configured pattern was used before the pattern engine was loaded', 'report this as a bug');
    let compiled: RE2JS;
    try {
      compiled = engine.compile(pattern);
    } catch (error) {
      throw new TaskgateError(
        'ERR_CONFIG_REGEX',
        `the regular expression ${JSON.stringify(pattern)} is not RE2 syntax: ${(error as Error).message}`,
        'rewrite it in RE2 syntax (no lookaround or backreferences); see docs/policy.md',
      );
    }
    regexes.set(pattern, (re = { test: (text) => compiled.matcher(text).find() }));
  }
  return re;
}

/** A configured glob, compiled once per process. */
export function glob(pattern: string): Matcher {
  let m = globs.get(pattern);
  if (!m) globs.set(pattern, (m = compileGlob(pattern)));
  return m;
}
