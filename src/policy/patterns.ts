import { RE2JS } from 're2js';
import { compileGlob, type Matcher } from '../config/globs.js';

/** A configured regular expression: `test` says whether it matches anywhere in the text. */
export interface Pattern {
  test(text: string): boolean;
}

const regexes = new Map<string, Pattern>();
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
    const compiled = RE2JS.compile(pattern);
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
