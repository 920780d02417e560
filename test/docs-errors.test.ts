// docs/errors.md lists every error code once, with its meaning, exit code and HTTP status, and names no code that does not exist.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS } from '../src/errors/error-codes.js';
import { ROOT } from './helpers/hg-fixture.js';

/** The rows of the table in docs/errors.md: code, meaning, exit code, HTTP status. */
function documented(): Array<{ code: string; summary: string; exit: number; http: number }> {
  const text = readFileSync(join(ROOT, 'docs', 'errors.md'), 'utf8');
  return [...text.matchAll(/^\| `(ERR_[A-Z_]+)` \| (.+?) \| (\d) \| (\d{3}) \|$/gm)].map((m) => ({
    code: m[1]!,
    summary: m[2]!,
    exit: Number(m[3]),
    http: Number(m[4]),
  }));
}

describe('docs/errors.md', () => {
  it('lists every code of the error table, once, with its meaning, exit code and HTTP status', () => {
    const table = Object.entries(ERRORS).map(([code, e]) => ({ code, summary: e.summary, exit: e.exit, http: e.http }));
    expect(documented()).toEqual(table);
  });

  it('every ERR_ code the docs or the README mention exists', () => {
    const files = [
      'README.md',
      'docs/errors.md',
      'docs/operations.md',
      'docs/policy.md',
      'docs/security.md',
      'docs/tokens.md',
      'docs/manifest.md',
    ];
    const mentioned = new Set(
      files.flatMap((f) => [...readFileSync(join(ROOT, f), 'utf8').matchAll(/\bERR_[A-Z_]*[A-Z]\b/g)].map((m) => m[0])),
    );
    expect([...mentioned].filter((code) => !(code in ERRORS))).toEqual([]);
  });
});
