// Exact matchers, without a regular expression of their own, for the commonest glob shapes.
//
// Why: a manifest of thousands of tasks lists thousands of distinct globs (`services/s1/**`,
// `services/s2/**`...), and compiling one regular expression per glob (picomatch's parse, then
// V8's compile on first use) was most of `affected`'s time. These shapes are decided with
// string tests and one shared expression, with exactly the answers of picomatch's regex under
// the options of globs.ts (test/unit/plain-globs.test.ts compares them on hostile paths).

/** A literal path: segments of letters, digits, `_ - .`, none of them `.` or `..`. */
const LITERAL = /^(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+(?:\/(?!\.{1,2}(?:\/|$))[A-Za-z0-9_.-]+)*$/;
/** `**` and `**` then `/*.ext` after a literal base (an extension of letters, digits, `_ - .`). */
const UNDER = /^(.+)\/\*\*$/;
const UNDER_EXT = /^(.+)\/\*\*\/\*(\.[A-Za-z0-9_-][A-Za-z0-9_.-]*)$/;
/** What picomatch's `**` refuses to span: a `.` or `..` segment, or a line terminator (its `.` does not match one). */
const UNCLEAN = /(?:^|\/)\.{1,2}(?:\/|$)|[\n\r\u2028\u2029]/;

export interface PlainGlob {
  /** The literal base directory (or the literal path itself), as picomatch.scan reports it. */
  base: string;
  match: (value: string) => boolean;
}

/** `base/**`: the base itself, or anything under it through no `.`/`..` segment. */
function under(base: string): PlainGlob {
  const head = `${base}/`;
  return { base, match: (v) => v === base || (v.startsWith(head) && !UNCLEAN.test(v.slice(head.length))) };
}

/** `base/**` then `/*.ext`: a last segment ending in `.ext`, below the base through no `.`/`..` segment. */
function underWithExt(base: string, ext: string): PlainGlob {
  const head = `${base}/`;
  return {
    base,
    match: (v) => {
      if (!v.startsWith(head) || !v.endsWith(ext)) return false;
      // ext holds no '/': the last segment ends with it
      const last = v.lastIndexOf('/');
      // the folders between the base and the last segment (empty when it is directly under the base)
      return last < head.length || !UNCLEAN.test(v.slice(head.length, last + 1));
    },
  };
}

/** A matcher for `glob` when it has one of the plain shapes, else null (picomatch compiles it). */
export function plainGlob(glob: string): PlainGlob | null {
  if (LITERAL.test(glob)) return { base: glob, match: (v) => v === glob };
  const ext = UNDER_EXT.exec(glob);
  if (ext && LITERAL.test(ext[1]!)) return underWithExt(ext[1]!, ext[2]!);
  const dir = UNDER.exec(glob);
  if (dir && LITERAL.test(dir[1]!)) return under(dir[1]!);
  return null;
}
