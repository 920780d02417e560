import { compileGlob, type Matcher } from '../config/globs.js';

const regexes = new Map<string, RegExp>();
const globs = new Map<string, Matcher>();

/** A configured regular expression, compiled once per process (the config loader already proved it compiles). */
export function regex(pattern: string): RegExp {
  let re = regexes.get(pattern);
  if (!re) regexes.set(pattern, (re = new RegExp(pattern, 'u')));
  return re;
}

/** A configured glob, compiled once per process. */
export function glob(pattern: string): Matcher {
  let m = globs.get(pattern);
  if (!m) globs.set(pattern, (m = compileGlob(pattern)));
  return m;
}
