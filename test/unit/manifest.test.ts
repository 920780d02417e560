// The task manifest: topological order, input matching with excludes and dotfiles, the base index's speed, and every problem reported.
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../../src/manifest/parse-manifest.js';
import { topoOrder } from '../../src/manifest/dag.js';

const manifest = (tasks: Record<string, unknown>) => JSON.stringify({ version: 1, tasks });

describe('task manifest', () => {
  it('orders tasks topologically, ties by name', () => {
    const r = parseManifest(
      manifest({
        test: { requires: ['build'], run: 't' },
        build: { run: 'b' },
        docs: { requires: ['build'], run: 'd' },
        lint: { run: 'l' },
      }),
    );
    expect(r.ok && r.order).toEqual(['build', 'docs', 'lint', 'test']);
  });

  it('matches inputs: includes, ! excludes whatever their order, dotfiles', () => {
    const r = parseManifest(
      manifest({
        docs: { inputs: ['!docs/drafts/**', 'docs/**', '.github/**'], run: 'd' },
        build: { inputs: ['src/**', 'package.json'], run: 'b' },
        all: { inputs: ['**/*.md'], run: 'm' },
      }),
    );
    if (!r.ok) throw new Error(r.errors.join('\n'));
    const md = r.matchInputs('docs/a/b.md');
    expect(md).toHaveLength(2);
    expect(md).toEqual(
      expect.arrayContaining([
        { task: 'docs', glob: 'docs/**' },
        { task: 'all', glob: '**/*.md' },
      ]),
    );
    expect(r.matchInputs('docs/drafts/x.txt')).toEqual([]);
    expect(r.matchInputs('.github/workflows/ci.yml')).toEqual([{ task: 'docs', glob: '.github/**' }]);
    expect(r.matchInputs('package.json')).toEqual([{ task: 'build', glob: 'package.json' }]);
    expect(r.matchInputs('other/package.json')).toEqual([]);
  });

  it('matches 1,000 paths against 5,000 tasks quickly through the base index', () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 5000; i++) tasks[`t${i}`] = { inputs: [`mod${i}/**`, `!mod${i}/tmp/**`], run: 'x' };
    const r = parseManifest(manifest(tasks));
    if (!r.ok) throw new Error('parse');
    const hits = Array.from({ length: 1000 }, (_, i) => r.matchInputs(`mod${i * 5}/src/file${i}.ts`));
    expect(hits.every((h) => h.length === 1)).toBe(true);
    expect(hits[3]).toEqual([{ task: 't15', glob: 'mod15/**' }]);
  });

  it('reports every problem: unknown requires, a cycle, a bad glob, schema errors', () => {
    const r = parseManifest(manifest({ a: { requires: ['b', 'ghost'], run: 'x', inputs: ['src/[**'] }, b: { requires: ['a'], run: 'y' } }));
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors).toContain('tasks.json: task "a" requires "ghost", which is not a task');
    expect(r.errors).toContain('tasks.json: tasks form a cycle: a -> b -> a');
    expect(r.errors.some((e) => e.startsWith('tasks.json: task "a" has an invalid glob "src/[**"'))).toBe(true);
    const bad = parseManifest(JSON.stringify({ version: 2, tasks: { 'bad name': { run: 'x' } } }));
    expect(bad.ok).toBe(false);
  });

  it('finds a cycle through 500 tasks and orders a 1,000-deep chain', () => {
    const chain = new Map<string, string[]>();
    for (let i = 0; i < 1000; i++) chain.set(`t${i}`, i === 0 ? [] : [`t${i - 1}`]);
    expect(topoOrder(chain).order).toHaveLength(1000);
    const ring = new Map<string, string[]>();
    for (let i = 0; i < 500; i++) ring.set(`r${i}`, [`r${(i + 1) % 500}`]);
    expect(topoOrder(ring).cycle).toHaveLength(501);
  });
});
