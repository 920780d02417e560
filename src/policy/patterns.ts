/** Configured patterns: RE2 regular expressions (re2js) and globs, each compiled once per process. */
import { createRequire } from 'node:module';
import type { RE2JS } from 're2js';
import { compileGlob, type Matcher } from '../config/globs.js';
import { TaskgateError } from '../errors/taskgate-error.js';

/** A configured regular expression: it searches (unanchored), as everywhere in DESIGN §3. */
export interface Pattern {
  /** Whether it matches anywhere in the text. */
  test(text: string): boolean;
  /** Where it first matches, or null. */
  search(text: string): { start: number; end: number } | null;
}

const regexes = new Map<string, Pattern>();
let engine: typeof RE2JS | null = null;
let loading: Promise<void> | null = null;

/**
 * Loads RE2 (re2js) once. The gate starts this while its hg process starts, so the push
 * never waits for it; `regex` needs it loaded.
 */
export function loadPatternEngine(): Promise<void> {
  // already loaded at once (a command that checked its configuration first): one copy is enough
  loading ??= engine
    ? Promise.resolve()
    : import('re2js').then((m) => {
        engine ??= m.RE2JS;
      });
  return loading;
}

/** The same, at once: for the commands that check a configuration before anything else runs. */
export function loadPatternEngineNow(): void {
  engine ??= (createRequire(import.meta.url)('re2js') as { RE2JS: typeof RE2JS }).RE2JS;
}

/** Why RE2 refuses a pattern (the very engine that matches), or null when it compiles; needs the engine loaded. */
export function regexError(pattern: string): string | null {
  try {
    regex(pattern);
    return null;
  } catch (error) {
    if (error instanceof TaskgateError && error.code === 'ERR_INTERNAL') throw error;
    return error instanceof TaskgateError ? (error.details[0] ?? error.message) : String(error);
  }
}

/** Texts up to this long, and this many of them per pattern, keep their answer: authors and branch names repeat. */
const MEMO_LENGTH = 256;
const MEMO_MAX = 4096;

function memoized(test: (text: string) => boolean): (text: string) => boolean {
  const answers = new Map<string, boolean>();
  return (text) => {
    if (text.length > MEMO_LENGTH) return test(text);
    let answer = answers.get(text);
    if (answer === undefined) {
      answer = test(text);
      if (answers.size < MEMO_MAX) answers.set(text, answer);
    }
    return answer;
  };
}

/**
 * A configured regular expression, compiled once per process (the configuration check
 * already proved it compiles). RE2 (re2js), not JavaScript's backtracking engine: matching
 * takes time linear in the text, so no description, author or tag a pusher writes can make
 * the gate backtrack for hours (ReDoS).
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
      const why = (error as Error).message.replace(/^error parsing regexp: /, '');
      throw new TaskgateError(
        'ERR_CONFIG_REGEX',
        `the regular expression ${JSON.stringify(pattern)} is not RE2 syntax: ${why}`,
        'rewrite it in RE2 syntax (no lookaround or backreferences); see docs/policy.md',
        { details: [why] },
      );
    }
    regexes.set(
      pattern,
      (re = {
        // test() runs RE2's DFA without a Matcher or capture groups: several times cheaper per
        // description, and a search mostly finds nothing, so it asks test() first
        test: memoized((text) => compiled.test(text)),
        search: (text) => {
          if (!compiled.test(text)) return null;
          const m = compiled.matcher(text);
          return m.find() ? { start: m.start(), end: m.end() } : null;
        },
      }),
    );
  }
  return re;
}

/** A configured glob, compiled once per process. */
export function glob(pattern: string): Matcher {
  return compileGlob(pattern);
}
