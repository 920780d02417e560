// Loading the configuration: `extends` merging, paths and defaults, where the file is found, and every bad pattern or rule reported by path.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { mergeConfig } from '../../src/config/merge-config.js';
import { TaskgateError } from '../../src/errors/taskgate-error.js';
import { policyChecks } from '../../src/policy/config-check.js';
import { RULE_NAMES } from '../../src/policy/rule-registry.js';

describe('configuration', () => {
  it('merges objects deeply, replaces arrays, and merges policy.rules by id', () => {
    const base = {
      identity: { groups: { a: ['x'] }, users: { x: { emails: ['x@a'] } } },
      gate: { sources: ['serve'] },
      policy: {
        rules: [
          { rule: 'message', pattern: 'A' },
          { rule: 'merges', allow: false },
          { rule: 'paths', id: 'p1', deny: {} },
        ],
      },
    };
    const own = {
      identity: { groups: { b: ['y'] } },
      gate: { sources: ['push'] },
      policy: {
        rules: [
          { rule: 'message', pattern: 'B' },
          { rule: 'paths', id: 'p2', deny: {} },
        ],
      },
    };
    expect(mergeConfig(base, own)).toEqual({
      identity: { groups: { a: ['x'], b: ['y'] }, users: { x: { emails: ['x@a'] } } },
      gate: { sources: ['push'] },
      policy: {
        rules: [
          { rule: 'message', pattern: 'B' },
          { rule: 'merges', allow: false },
          { rule: 'paths', id: 'p1', deny: {} },
          { rule: 'paths', id: 'p2', deny: {} },
        ],
      },
    });
  });

  it('resolves paths against the repository root and fills defaults', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-cfg-'));
    const path = join(root, 'c.json');
    writeFileSync(path, JSON.stringify({ repo: { id: 'a/b' } }));
    const c = loadConfig({ explicit: path, root });
    expect(c.audit.path).toBe(join(root, '.hg/taskgate/audit.jsonl'));
    expect(c.gate.sources).toEqual(['serve', 'push']);
    expect(c.manifest.path).toBe('tasks.json');
  });

  it('prefers --config, then TASKGATE_CONFIG, then .hg/taskgate.json', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-cfg-'));
    writeFileSync(join(root, 'env.json'), JSON.stringify({ repo: { id: 'from/env' } }));
    writeFileSync(join(root, 'cli.json'), JSON.stringify({ repo: { id: 'from/cli' } }));
    expect(loadConfig({ root, env: { TASKGATE_CONFIG: 'env.json' } }).repo.id).toBe('from/env');
    expect(loadConfig({ root, explicit: join(root, 'cli.json'), env: { TASKGATE_CONFIG: 'env.json' } }).repo.id).toBe('from/cli');
    expect(() => loadConfig({ root, env: {} })).toThrow(TaskgateError);
  });

  it('reports every bad pattern at once with its JSON path', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-cfg-'));
    writeFileSync(
      join(root, 'c.json'),
      JSON.stringify({
        policy: {
          rules: [
            { rule: 'message', pattern: '(', forbid: ['ok', '['] },
            { rule: 'branch', names: '*' },
          ],
        },
      }),
    );
    try {
      loadConfig({ root, explicit: join(root, 'c.json') }, policyChecks());
      expect.unreachable();
    } catch (e) {
      const err = e as TaskgateError;
      expect(err.code).toBe('ERR_CONFIG_REGEX');
      expect(err.details.map((d) => d.split(':')[0])).toEqual([
        '/policy/rules/0/pattern',
        '/policy/rules/0/forbid/1',
        '/policy/rules/1/names',
      ]);
    }
  });

  it('checks patterns with RE2 itself: its syntax loads, lookaround, backreferences and \\cA are refused by path', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-cfg-'));
    const load = (rules: unknown[]) => {
      writeFileSync(join(root, 'c.json'), JSON.stringify({ policy: { rules } }));
      return loadConfig({ root, explicit: join(root, 'c.json') }, policyChecks());
    };
    const good = ['(?i)^bug', '(?s)a.b', '[[:alpha:]]+', '\\pL+', '(?P<n>x)', '\\Qa.b\\E'];
    expect(load([{ rule: 'message', forbid: good }]).policy.rules).toHaveLength(1);
    try {
      load([
        { rule: 'message', forbid: ['(?=x)', '(?<!y)z', '(a)\\1', '\\cA'] },
        { rule: 'files', contains: { '**/.arcconfig': ['ok', '(?!x)'] } },
        { rule: 'author', id: 'bots', exceptAuthors: ['(?<=a)'], exemptWhen: { message: '\\k<n>' } },
      ]);
      expect.unreachable();
    } catch (e) {
      const err = e as TaskgateError;
      expect(err.code).toBe('ERR_CONFIG_REGEX');
      expect(err.details.map((d) => d.split(': ')[0])).toEqual([
        '/policy/rules/0/forbid/0',
        '/policy/rules/0/forbid/1',
        '/policy/rules/0/forbid/2',
        '/policy/rules/0/forbid/3',
        '/policy/rules/1/contains/**~1.arcconfig/1',
        '/policy/rules/2/exceptAuthors/0',
        '/policy/rules/2/exemptWhen/message',
      ]);
    }
  });

  it('names the rules of the registry for an unknown rule, and refuses two rules with one id', () => {
    const root = mkdtempSync(join(tmpdir(), 'tg-cfg-'));
    const attempt = (rules: unknown[]) => {
      writeFileSync(join(root, 'c.json'), JSON.stringify({ policy: { rules } }));
      try {
        loadConfig({ root, explicit: join(root, 'c.json') }, policyChecks());
        return null;
      } catch (e) {
        return e as TaskgateError;
      }
    };
    expect(attempt([{ rule: 'mesage' }])!.details[0]).toBe(`/policy/rules/0/rule: is not a rule taskgate knows (${RULE_NAMES.join(', ')})`);
    const twice = attempt([{ rule: 'merges' }, { rule: 'merges', allow: false }])!;
    expect(twice.code).toBe('ERR_CONFIG_INVALID');
    expect(twice.details).toEqual(['/policy/rules/1/id: "merges" is already the id of /policy/rules/0']);
  });
});
