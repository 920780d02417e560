import picomatch from 'picomatch';

/** One glob dialect everywhere: paths and branch names, dotfiles included. */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, strictBrackets: true };

export type Matcher = (value: string) => boolean;

/** Compiles one glob; throws picomatch's error for a malformed one. */
export function compileGlob(glob: string): Matcher {
  return picomatch(glob, OPTIONS);
}

/** True when the glob compiles; used to report every bad glob at load time. */
export function globError(glob: string): string | null {
  try {
    picomatch.makeRe(glob, OPTIONS);
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Matches a value against any of several globs (one compiled matcher). */
export function compileAnyGlob(globs: readonly string[]): Matcher {
  if (globs.length === 0) return () => false;
  return picomatch(globs as string[], OPTIONS);
}
