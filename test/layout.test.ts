import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/hg-fixture.js';

const SRC = join(ROOT, 'src');
const BASE = new Set(['errors', 'config', 'log']);
const DOMAINS = new Set(['hg', 'identity', 'policy', 'manifest', 'tokens', 'jobs', 'store', 'audit', 'sandbox']);
const COMPOSITIONS = new Set(['gate', 'trigger', 'worker', 'server']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' ? [] : files(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Which folder may import which (DESIGN §1). Type-only imports between domains are allowed. */
function allowed(from: string, to: string, typeOnly: boolean): boolean {
  if (from === to || to === 'generated' || BASE.has(to)) return from !== 'errors' || to === 'errors';
  if (BASE.has(from)) return false;
  if (DOMAINS.has(from)) return DOMAINS.has(to) && (typeOnly || (from === 'store' && to === 'jobs'));
  if (COMPOSITIONS.has(from)) return DOMAINS.has(to) || COMPOSITIONS.has(to);
  if (from === 'cli') return !['cli'].includes(to);
  return false;
}

describe('layout (DESIGN §1)', () => {
  it('folders import downwards only', () => {
    const problems: string[] = [];
    for (const file of files(SRC)) {
      const from = relative(SRC, file).split('/')[0]!;
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^(import|export)( type)?[^'"]*from '(\.\.?\/[^']+)'/gm)) {
        const target = relative(SRC, join(file, '..', m[3]!)).split('/')[0]!;
        if (!allowed(from, target, m[2] === ' type')) problems.push(`${relative(ROOT, file)} imports ${m[3]}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('only hg/ runs hg, only tokens/ imports jose, and relative imports carry .js', () => {
    const problems: string[] = [];
    for (const file of files(SRC)) {
      const where = relative(SRC, file);
      const text = readFileSync(file, 'utf8');
      if (/from 'execa'/.test(text) && !where.startsWith('hg/')) problems.push(`${where} imports execa`);
      if (/from 'jose'/.test(text) && !where.startsWith('tokens/')) problems.push(`${where} imports jose`);
      for (const m of text.matchAll(/from '(\.\.?\/[^']+)'/g))
        if (!m[1]!.endsWith('.js') && !m[1]!.endsWith('.json')) problems.push(`${where}: ${m[1]} lacks .js`);
    }
    expect(problems).toEqual([]);
  });

  it('the hooks set process.exitCode and never call process.exit()', () => {
    for (const hook of readdirSync(join(ROOT, 'hooks'))) {
      const text = readFileSync(join(ROOT, 'hooks', hook), 'utf8');
      expect(text).toContain('process.exitCode');
      expect(text).not.toMatch(/process\.exit\(/);
    }
  });
});
