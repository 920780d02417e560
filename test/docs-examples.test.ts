import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { parseManifest } from '../src/manifest/parse-manifest.js';
import { ROOT } from './helpers/hg-fixture.js';

/** Every ```json block of the docs and the README, with the file it is in. */
function jsonBlocks(): Array<{ file: string; text: string }> {
  const files = ['README.md', ...readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
  return files.flatMap((file) => [...readFileSync(join(ROOT, file), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => ({ file, text: m[1]! })));
}

function asConfig(value: Record<string, unknown>): Record<string, unknown> {
  // a lone rule, a fragment of the configuration, or a whole one
  if ('rule' in value) return { policy: { rules: [value] } };
  const { extends: _base, ...rest } = value;
  return rest;
}

describe('the docs examples', () => {
  const blocks = jsonBlocks();

  it('there are examples to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(15);
  });

  it.each(blocks.map((b, i) => [`${b.file} #${i}`, b] as const))('%s parses and is valid', (_name, block) => {
    const value = JSON.parse(block.text) as Record<string, unknown>;
    if ('version' in value && 'tasks' in value) {
      const parsed = parseManifest(block.text, 'tasks.json');
      expect(parsed.ok ? [] : parsed.errors).toEqual([]);
      return;
    }
    const dir = mkdtempSync(join(tmpdir(), 'tg-doc-'));
    writeFileSync(join(dir, 'c.json'), JSON.stringify(asConfig(value)));
    expect(() => loadConfig({ root: dir, explicit: join(dir, 'c.json') })).not.toThrow();
  });

  it('examples/taskgate.json is the example policy of the design and loads as it is', () => {
    const config = loadConfig({ root: ROOT, explicit: join(ROOT, 'examples', 'taskgate.json') });
    expect(config.policy.rules.map((r) => r.rule)).toEqual(['message', 'author', 'branch', 'paths', 'files', 'secrets', 'heads', 'merges', 'tags', 'ownership', 'manifest']);
  });
});
