// One glob dialect for paths and branch names (picomatch, dotfiles included): compiled once, a glob's literal base, its load-time error.
import picomatch from 'picomatch';
import { plainGlob } from './plain-globs.js';

/** One glob dialect everywhere: paths and branch names, dotfiles included. */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, strictBrackets: true };

export type Matcher = (value: string) => boolean;

const compiled = new Map<string, Matcher>();

/**
 * Compiles one glob to a bare regular expression test (picomatch's own matcher does more
 * work per call than the regex), cached by glob text; throws picomatch's error for a malformed one.
 */
export function compileGlob(glob: string): Matcher {
  let m = compiled.get(glob);
  if (!m) {
    m = plainGlob(glob)?.match ?? regexMatcher(glob);
    compiled.set(glob, m);
  }
  return m;
}

function regexMatcher(glob: string): Matcher {
  const re = picomatch.makeRe(glob, OPTIONS);
  return (value: string) => re.test(value);
}

/** Literal base directory of a glob (`src` for `src/**`), or '' when it has none or cannot be trusted. */
export function globBase(glob: string): string {
  const plain = plainGlob(glob);
  if (plain) return plain.base;
  const base = picomatch.scan(glob).base;
  // an escaped character makes the scanned base unreliable
  return base.includes('\\') ? '' : base;
}

/** Null when the glob compiles (and is then cached for use), else why not; used to report every bad glob at load time. */
export function globError(glob: string): string | null {
  try {
    compileGlob(glob);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Matches a value against any of several globs. */
export function compileAnyGlob(globs: readonly string[]): Matcher {
  if (globs.length === 0) return () => false;
  if (globs.length === 1) return compileGlob(globs[0]!);
  const matchers = globs.map(compileGlob);
  return (value) => matchers.some((m) => m(value));
}
