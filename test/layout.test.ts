// The layout of DESIGN §1: folders import downwards only, no import cycle, only hg/ runs hg, only tokens/ imports jose, hooks never exit().
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/hg-fixture.js';

const SRC = join(ROOT, 'src');
const BASE = new Set(['errors', 'config', 'log']);
const DOMAINS = new Set(['hg', 'identity', 'policy', 'manifest', 'tokens', 'jobs', 'store', 'audit', 'sandbox']);
/** The composition the others share: it calls the domains; trigger, worker, server, ui and cli call it. */
const EXCHANGE = 'exchange';
const COMPOSITIONS = new Set(['gate', 'trigger', 'worker', 'server', 'ui']);
/** The hooks' warm server and their side of it: an entry point beside hooks/, which loads the compositions' bundles at run time. */
const HOOK_SERVER = 'hook-server';
const KNOWN = new Set([...BASE, ...DOMAINS, EXCHANGE, ...COMPOSITIONS, 'cli', HOOK_SERVER, 'generated']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return name === 'generated' ? [] : files(full);
    return full.endsWith('.ts') ? [full] : [];
  });
}

/** Which folder may import which (DESIGN §1). Type-only imports between domains are allowed. */
function allowed(from: string, to: string, typeOnly: boolean): boolean {
  if (from === to || to === 'generated') return true;
  if (from === 'errors') return false;
  if (BASE.has(to)) return true;
  if (BASE.has(from)) return false;
  if (DOMAINS.has(from)) return DOMAINS.has(to) && (typeOnly || (from === 'store' && to === 'jobs'));
  if (from === EXCHANGE) return DOMAINS.has(to);
  if (COMPOSITIONS.has(from)) return DOMAINS.has(to) || to === EXCHANGE;
  // cli calls the compositions and the exchange; thin admin commands call a domain directly
  if (from === 'cli') return DOMAINS.has(to) || to === EXCHANGE || COMPOSITIONS.has(to) || to === HOOK_SERVER;
  // the hook server imports no composition: it runs them from their bundles, as the hooks do
  if (from === HOOK_SERVER) return DOMAINS.has(to);
  return false;
}

interface Edge {
  file: string;
  target: string;
  spec: string;
  typeOnly: boolean;
}

/** Every relative import and re-export of every file under src/, resolved to the file it names. */
function imports(): Edge[] {
  return files(SRC).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/^(import|export)( type)?[^'"]*from '(\.\.?\/[^']+)'/gm)].map((m) => ({
      file,
      target: join(file, '..', m[3]!).replace(/\.js$/, '.ts'),
      spec: m[3]!,
      typeOnly: m[2] === ' type',
    })),
  );
}

const folderOf = (file: string) => relative(SRC, file).split('/')[0]!;

/** The import cycles among src/ files (each reported once, as the files on it). */
function cycles(edges: Edge[]): string[][] {
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.file, [...(next.get(e.file) ?? []), e.target]);
  const state = new Map<string, 'open' | 'done'>();
  const found: string[][] = [];
  const path: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    path.push(file);
    for (const target of next.get(file) ?? []) {
      if (state.get(target) === 'open') found.push(path.slice(path.indexOf(target)).map((f) => relative(SRC, f)));
      else if (!state.has(target)) visit(target);
    }
    path.pop();
    state.set(file, 'done');
  };
  for (const file of [...next.keys()].sort()) if (!state.has(file)) visit(file);
  return found;
}

describe('layout (DESIGN §1)', () => {
  it('folders import downwards only', () => {
    const problems = imports()
      .filter((e) => !allowed(folderOf(e.file), folderOf(e.target), e.typeOnly))
      .map((e) => `${relative(ROOT, e.file)} imports ${e.spec}`);
    expect(problems).toEqual([]);
  });

  it('every folder of src/ has a place in the rules', () => {
    expect(readdirSync(SRC).filter((name) => !KNOWN.has(name))).toEqual([]);
  });

  it('the rules refuse what DESIGN §1 forbids', () => {
    // compositions never import each other: server -> worker was the one import that ran back up a floor
    expect(allowed('server', 'worker', false)).toBe(false);
    expect(allowed('trigger', 'gate', true)).toBe(false);
    expect(allowed('worker', 'ui', false)).toBe(false);
    // the exchange calls domains, never a composition or the cli
    expect(allowed('exchange', 'trigger', false)).toBe(false);
    expect(allowed('exchange', 'cli', false)).toBe(false);
    // domains share types only (store may run jobs' state machine); nothing below cli imports it
    expect(allowed('policy', 'hg', false)).toBe(false);
    expect(allowed('policy', 'hg', true)).toBe(true);
    expect(allowed('store', 'jobs', false)).toBe(true);
    expect(allowed('tokens', 'exchange', false)).toBe(false);
    expect(allowed('server', 'cli', false)).toBe(false);
    expect(allowed('errors', 'config', true)).toBe(false);
    expect(allowed('config', 'hg', true)).toBe(false);
    expect(allowed('hook-server', 'gate', false)).toBe(false);
    expect(allowed('gate', 'hook-server', false)).toBe(false);
    // the ones that must stay possible
    expect(allowed('server', 'exchange', false)).toBe(true);
    expect(allowed('cli', 'trigger', false)).toBe(true);
    expect(allowed('cli', 'tokens', false)).toBe(true);
    expect(allowed('cli', 'hook-server', false)).toBe(true);
  });

  it('no import cycles', () => {
    expect(cycles(imports())).toEqual([]);
    // the check finds one when there is one
    const edge = (a: string, b: string): Edge => ({ file: join(SRC, a), target: join(SRC, b), spec: b, typeOnly: false });
    expect(cycles([edge('x/a.ts', 'x/b.ts'), edge('x/b.ts', 'y/c.ts'), edge('y/c.ts', 'x/a.ts')])).toEqual([
      ['x/a.ts', 'x/b.ts', 'y/c.ts'],
    ]);
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
    // the hook programs (hooks/package.json only makes them CommonJS)
    for (const hook of readdirSync(join(ROOT, 'hooks')).filter((name) => !name.includes('.'))) {
      const text = readFileSync(join(ROOT, 'hooks', hook), 'utf8');
      // hooks/pretxnclose is a shell front: what it does not answer, its node hook does
      if (text.startsWith('#!/bin/sh')) {
        expect(text).toMatch(/exec node "\$here\/[a-z-]+-node"/);
        continue;
      }
      expect(text).toContain('process.exitCode');
      expect(text).not.toMatch(/process\.exit\(/);
    }
  });
});
