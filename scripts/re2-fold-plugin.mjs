// esbuild plugin for the hook bundles: re2js asks for a literal's case fold only when the pattern folds case.
// re2js's compiler (Compiler.rune) asks Unicode.simpleFold about every one-rune literal, even with case
// folding off, and the first answer decodes re2js's whole Unicode fold table: ~370 kB and several ms
// of every gate (DESIGN §13). With folding off the answer is thrown away, so asking first whether
// folding is on changes nothing else. The build fails if re2js no longer has that line, once.
import { readFileSync } from 'node:fs';

const LINE = 'if (runes.length !== 1 || Unicode.simpleFold(runes[0]) === runes[0]) flags &= ~RE2Flags.FOLD_CASE;';
const FIXED = 'if (flags === 0 || runes.length !== 1 || Unicode.simpleFold(runes[0]) === runes[0]) flags &= ~RE2Flags.FOLD_CASE;';

export const re2FoldPlugin = {
  name: 're2-fold',
  setup(build) {
    build.onLoad({ filter: /[\\/]re2js[\\/]build[\\/]index\.c?js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (text.split(LINE).length !== 2)
        throw new Error(`${args.path}: the case-fold line to patch is not there exactly once (re2js changed?)`);
      return { contents: text.replace(LINE, FIXED), loader: 'js' };
    });
  },
};
