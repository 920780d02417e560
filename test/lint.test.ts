// The tree is clean: prettier, eslint and knip, the three checkers of `npm run lint`, each run as a test.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/hg-fixture.js';

/** Runs one of the project's own linters (node_modules/.bin) over the whole tree. */
function lint(bin: string, args: string[]) {
  return execa(`${ROOT}/node_modules/.bin/${bin}`, args, { cwd: ROOT, reject: false, all: true, env: { NO_COLOR: '1', FORCE_COLOR: '0' } });
}

// CI fails on a lint error: the three checkers of `npm run lint`, each as a test
describe('the tree is clean', () => {
  it('prettier: every file is formatted (.prettierrc.json)', async () => {
    const r = await lint('prettier', ['--check', '.']);
    expect(r.exitCode, r.all).toBe(0);
  });

  // type-checked linting reads the whole program: minutes on a busy machine
  it('eslint: no error with typescript-eslint recommended-type-checked (eslint.config.js)', { timeout: 600_000 }, async () => {
    const r = await lint('eslint', ['--max-warnings', '0', '.']);
    expect(r.exitCode, r.all).toBe(0);
  });

  it('knip: no unused file, export, type or dependency (knip.json)', async () => {
    const r = await lint('knip', []);
    expect(r.exitCode, r.all).toBe(0);
  });
});
