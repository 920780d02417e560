// Every JSON example of the docs and the README is valid, the example policy loads, and the token verification snippets verify a real token.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { parseManifest } from '../src/manifest/parse-manifest.js';
import { policyChecks } from '../src/policy/config-check.js';
import { ROOT } from './helpers/hg-fixture.js';

/** Every ```json block of the docs and the README, with the file it is in. */
function jsonBlocks(): Array<{ file: string; text: string }> {
  const files = [
    'README.md',
    ...readdirSync(join(ROOT, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
  ];
  return files.flatMap((file) =>
    [...readFileSync(join(ROOT, file), 'utf8').matchAll(/```json\n([\s\S]*?)```/g)].map((m) => ({ file, text: m[1]! })),
  );
}

/** The groups of the example policy: a lone rule or a fragment names them without defining them. */
const EXAMPLE_IDENTITY = (JSON.parse(readFileSync(join(ROOT, 'examples', 'taskgate.json'), 'utf8')) as { identity: unknown }).identity;

function asConfig(value: Record<string, unknown>): Record<string, unknown> {
  // a lone rule, a fragment of the configuration, or a whole one
  if ('rule' in value) return { identity: EXAMPLE_IDENTITY, policy: { rules: [value] } };
  const { extends: _base, ...rest } = value;
  return 'identity' in rest ? rest : { identity: EXAMPLE_IDENTITY, ...rest };
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
    // as the gate loads it: patterns checked by RE2, every group defined
    expect(() => loadConfig({ root: dir, explicit: join(dir, 'c.json') }, policyChecks())).not.toThrow();
  });

  it('examples/taskgate.json is the example policy of the design and loads as it is', () => {
    const config = loadConfig({ root: ROOT, explicit: join(ROOT, 'examples', 'taskgate.json') }, policyChecks());
    expect(config.policy.rules.map((r) => r.rule)).toEqual([
      'message',
      'author',
      'branch',
      'paths',
      'files',
      'secrets',
      'heads',
      'merges',
      'tags',
      'ownership',
      'manifest',
    ]);
  });
});

describe('the token verification examples of docs/tokens.md', () => {
  it('the Node and Python snippets verify a real queued token', async () => {
    const { commit, jobsOf, taskgate, baseEnv, ROOT: root } = await import('./helpers/hg-fixture.js');
    const { expectAccepted, scenario } = await import('./helpers/scenario.js');
    const { execa } = await import('execa');
    const s = await scenario(
      { repo: { id: 'acme/app' }, policy: { rules: [] }, tokens: { issuer: 'https://hg.acme.test/taskgate' } },
      { trigger: true },
    );
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['**'], run: 'true' } } }), 'a.txt': 'a' },
      'x',
    );
    await expectAccepted(s);
    const job = (await jobsOf(s.central))[0]!;
    const token = JSON.parse((await taskgate(s.central, ['jobs', 'show', job.id, '--json'])).stdout).token as string;
    writeFileSync(join(s.dir, 'jwks.json'), (await taskgate(s.central, ['keys', 'jwks'])).stdout);
    const doc = readFileSync(join(root, 'docs', 'tokens.md'), 'utf8');
    const js = /```js\n([\s\S]*?)```/.exec(doc)![1]!;
    const py = /```python\n([\s\S]*?)```/.exec(doc)![1]!;
    // the Node snippet runs from the taskgate folder so that it finds jose
    const jsFile = join(root, '.docs-example.mjs');
    writeFileSync(jsFile, js);
    try {
      const node = await execa(process.execPath, [jsFile, token], { cwd: s.dir, env: baseEnv(), extendEnv: false, reject: false });
      expect(node.exitCode, node.stderr).toBe(0);
      expect(node.stdout.trim()).toBe('repo:acme/app:branch:default:task:build');
    } finally {
      (await import('node:fs')).rmSync(jsFile, { force: true });
    }
    writeFileSync(join(s.dir, 'verify.py'), py);
    const python = await execa('/usr/bin/python3', [join(s.dir, 'verify.py'), token], {
      cwd: s.dir,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
    });
    expect(python.exitCode, python.stderr).toBe(0);
    expect(python.stdout.trim()).toBe('repo:acme/app:branch:default:task:build');
  });
});
