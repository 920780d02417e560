// Hostile input: a backtracking pattern judged in linear time, huge manifests and deep chains, 10,000 files and a 100 MB file through real pushes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { affectedTasks } from '../src/manifest/affected.js';
import { parseManifest } from '../src/manifest/parse-manifest.js';
import { commit, hgOk, push, taskgate } from './helpers/hg-fixture.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

const manifest = (tasks: Record<string, unknown>) => JSON.stringify({ version: 1, tasks });

describe('hostile input', () => {
  it('a description built to make a configured pattern backtrack catastrophically is judged in linear time', async () => {
    // ^(a+)+$ against "aaaa...!" takes 2^n steps in a backtracking engine: hours at n = 40.
    // The test's timeout is the proof: with JavaScript's RegExp this push never ends.
    const s = await scenario({
      policy: {
        rules: [
          { rule: 'message', pattern: '^(a+)+$' },
          { rule: 'author', pattern: '^(.*a){12}$' },
        ],
      },
    });
    await commit(s.work, { 'a.txt': 'a' }, `${'a'.repeat(50_000)}!`, { user: `${'a'.repeat(5_000)}!` });
    await expectRejected(s, [/does not match \^\(a\+\)\+\$/, /does not match \^\(\.\*a\)\{12\}\$/]);
  }, 60_000);

  it('a pattern the linear-time engine cannot run is refused when the configuration loads, naming it', async () => {
    const s = await scenario({ policy: { rules: [{ rule: 'message', pattern: '^(?=OPS)\\w+-(\\d+): \\1' }] } });
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error[ERR_CONFIG_REGEX]');
    expect(r.stderr).toContain('/policy/rules/0/pattern: invalid regular expression "^(?=OPS)\\\\w+-(\\\\d+): \\\\1" (RE2 syntax)');
  });

  it('a manifest of 10,000 tasks, a 1,000-deep chain and a 10,000-entry glob list go through a real push', async () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) tasks[`t${i}`] = { inputs: [`mod${i}/**`], run: 'true' };
    // a chain of 1,000 on top: c0 <- c1 <- ... <- c999, c0 fed by src/**
    for (let i = 0; i < 1000; i++)
      tasks[`c${i}`] = { inputs: i === 0 ? ['src/**'] : [], requires: i === 0 ? [] : [`c${i - 1}`], run: 'true' };
    tasks['globs'] = { inputs: Array.from({ length: 10_000 }, (_, i) => `g${i}/**/*.txt`), run: 'true' };
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [{ rule: 'manifest' }] } }, { trigger: true });
    await commit(s.work, { 'tasks.json': manifest(tasks) }, 'the manifest');
    await expectAccepted(s);
    const tip = await commit(s.work, { 'src/a.txt': 'a', 'g9999/x/y.txt': 'y' }, 'one input of the chain, one of the glob list');
    await expectAccepted(s);
    const listed = await taskgate(s.central, ['jobs', 'list', '--rev', tip, '--limit', '5000', '--json']);
    const latest = JSON.parse(listed.stdout) as Array<{ id: string; task: string; requires: string[] }>;
    expect(latest).toHaveLength(1001);
    expect(new Set(latest.map((j) => j.task))).toEqual(new Set(['globs', ...Array.from({ length: 1000 }, (_, i) => `c${i}`)]));
    expect(latest.find((j) => j.task === 'c999')!.requires).toEqual([latest.find((j) => j.task === 'c998')!.id]);
  }, 120_000);

  it('a cycle through 500 tasks is refused by the manifest rule, naming the cycle', async () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 500; i++) tasks[`t${i}`] = { requires: [`t${(i + 1) % 500}`], run: 'true' };
    const parsed = parseManifest(manifest(tasks));
    expect(parsed.ok).toBe(false);
    const s = await scenario({ policy: { rules: [{ rule: 'manifest' }] } });
    await commit(s.work, { 'tasks.json': manifest(tasks) }, 'a cycle');
    await expectRejected(s, [/tasks form a cycle: t0 -> t1 -> t2 -> .* -> t499 -> t0/]);
  });

  it('affected stays exact on a deep chain: every task of a 1,000-deep chain, in order', () => {
    const tasks: Record<string, unknown> = {};
    for (let i = 0; i < 1000; i++)
      tasks[`c${String(i).padStart(4, '0')}`] = {
        inputs: i === 0 ? ['src/**'] : [],
        requires: i === 0 ? [] : [`c${String(i - 1).padStart(4, '0')}`],
        run: 'true',
      };
    const parsed = parseManifest(manifest(tasks));
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const affected = affectedTasks({ changedFiles: ['src/x'], before: parsed, after: parsed, branch: 'default' });
    expect(affected.map((a) => a.task)).toEqual(Object.keys(tasks));
  });

  it('10,000 files in one changeset, and a 100 MB file, are judged; the big file is refused by size without reading it whole into node', async () => {
    const s = await scenario({
      policy: {
        rules: [
          { rule: 'files', maxBytes: 50_000_000 },
          { rule: 'paths', allow: { '**': ['*'] } },
        ],
      },
    });
    const files: Record<string, string> = {};
    for (let i = 0; i < 10_000; i++) files[`many/d${i % 100}/f${i}.txt`] = `${i}\n`;
    await commit(s.work, files, 'ten thousand files');
    await expectAccepted(s);
    writeFileSync(join(s.work, 'big.bin'), Buffer.alloc(100 * 1024 * 1024, 7));
    await hgOk(s.work, ['commit', '-q', '-A', '-m', 'a big file', '-u', 'Alice <alice@acme.test>']);
    const r = await push(s.work, s.central);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toMatch(/big\.bin is 104857600 bytes/);
  }, 120_000);
});
