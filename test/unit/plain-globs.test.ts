// The plain-glob fast path answers exactly as picomatch with taskgate's options, on hostile paths, and is what compileGlob uses.
import fc from 'fast-check';
import picomatch from 'picomatch';
import { describe, expect, it } from 'vitest';
import { compileGlob, globBase } from '../../src/config/globs.js';
import { plainGlob } from '../../src/config/plain-globs.js';

/**
 * The plain-glob fast path (src/config/plain-globs.ts) answers exactly as picomatch's regex
 * with taskgate's options, on hostile paths: `.` and `..` segments, empty segments, line
 * terminators, dotfiles, near-miss extensions. A difference would change which tasks run.
 */
const OPTIONS = { dot: true, nonegate: true, strictBrackets: true };
const segment = fc.constantFrom(
  '',
  '.',
  '..',
  '...',
  'a',
  '.a',
  'a.',
  'src',
  'lib',
  'x.ts',
  '.ts',
  '..ts',
  'a.d.ts',
  'ts',
  'b\n',
  '\r',
  'c\u2028',
  'tsx',
  'a b',
  '-',
  '_',
);
const path = fc.array(segment, { minLength: 1, maxLength: 6 }).map((s) => s.join('/'));
const base = fc.array(fc.constantFrom('src', 'lib', '.github', 'a.b', 'c-d', '_x', '...', 'a..b', 'x.ts', 'a', '.', '..', ''), {
  minLength: 1,
  maxLength: 3,
});
const glob = fc
  .tuple(base, fc.constantFrom('', '/**', '/**/*.ts', '/**/*.d.ts', '/**/*.', '/**/*..ts', '/**/*', '/*', '/**/*.{ts,js}'))
  .map(([b, tail]) => b.join('/') + tail);

function sameAsPicomatch(g: string, p: string): void {
  const plain = plainGlob(g);
  if (!plain) return;
  expect(plain.base, g).toBe(picomatch.scan(g).base);
  expect(plain.match(p), `${JSON.stringify(g)} on ${JSON.stringify(p)}`).toBe(picomatch.makeRe(g, OPTIONS).test(p));
}

describe('plain globs', () => {
  it('takes the common shapes and leaves the rest to picomatch', () => {
    for (const g of ['src/**', 'libs/l5/**/*.ts', 'package.json', '.github/workflows/**', 'a/b/**/*.d.ts'])
      expect(plainGlob(g), g).not.toBeNull();
    for (const g of [
      '**',
      '**/*.ts',
      '*.md',
      'src/*',
      'src/**/*',
      './src/**',
      'src//**',
      'a/../b/**',
      'src/{a,b}/**',
      'src/[ab]/**',
      'a\\*b',
      '!src/**',
    ])
      expect(plainGlob(g), g).toBeNull();
  });

  it('matches exactly what picomatch matches, on hostile paths', () => {
    fc.assert(
      fc.property(glob, fc.array(path, { minLength: 1, maxLength: 20 }), (g, paths) => {
        const full = [...paths, ...paths.map((p) => `${g.replace(/\/\*.*$/, '')}/${p}`)];
        for (const p of full) sameAsPicomatch(g, p);
      }),
      { numRuns: 2000 },
    );
  });

  it('is what compileGlob and globBase use', () => {
    const m = compileGlob('services/s1/**');
    expect(['services/s1', 'services/s1/a', 'services/s1/.a', 'services/s10/a', 'services/s1/./a'].map(m)).toEqual([
      true,
      true,
      true,
      false,
      false,
    ]);
    expect(globBase('libs/l5/**/*.ts')).toBe('libs/l5');
    expect(globBase('src/{a,b}/**')).toBe(picomatch.scan('src/{a,b}/**').base);
  });
});
