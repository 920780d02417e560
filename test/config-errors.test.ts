// A broken configuration refuses the push with every problem named by JSON path; `extends` merging; a configuration checked once is remembered.
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configDigest } from '../src/config/checked-configs.js';
import { commit, GATE_HOOK, ROOT } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario, type Scenario } from './helpers/scenario.js';

async function withConfigText(text: string | null): Promise<Scenario> {
  const s = await scenario(onlyRules([]));
  const path = join(s.central, '.hg', 'taskgate.json');
  rmSync(path);
  if (text !== null) writeFileSync(path, text);
  await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: anything');
  return s;
}

describe('a broken configuration refuses the push (fail closed)', () => {
  it('missing', async () => {
    const s = await withConfigText(null);
    await expectRejected(s, [
      'error[ERR_CONFIG_MISSING]: configuration file',
      'taskgate.json does not exist',
      'hint: create it with `taskgate install REPO`',
    ]);
  });

  it('unreadable', async () => {
    const s = await withConfigText(null);
    // a directory where the file should be: unreadable even for root, who ignores file modes
    mkdirSync(join(s.central, '.hg', 'taskgate.json'));
    await expectRejected(s, ['error[ERR_CONFIG_UNREADABLE]', 'cannot be read: EISDIR', 'hint: make it readable']);
  });

  it('malformed JSON', async () => {
    const s = await withConfigText('{ "policy": { "rules": [ }');
    await expectRejected(s, ['error[ERR_CONFIG_SYNTAX]', 'is not valid JSON', 'hint: fix the JSON syntax']);
  });

  it('an invalid regular expression, named by its JSON path', async () => {
    const s = await withConfigText(JSON.stringify({ policy: { rules: [{ rule: 'message', pattern: '^(unclosed' }] } }));
    await expectRejected(s, [
      'error[ERR_CONFIG_REGEX]',
      '/policy/rules/0/pattern: invalid regular expression "^(unclosed" (RE2 syntax): missing closing )',
      'hint: fix each entry named above: regular expressions are RE2 syntax',
    ]);
  });

  it('a rule name that does not exist', async () => {
    const s = await withConfigText(JSON.stringify({ policy: { rules: [{ rule: 'mesage', pattern: 'x' }] } }));
    await expectRejected(s, ['error[ERR_CONFIG_INVALID]', '/policy/rules/0/rule: is not a rule taskgate knows', 'hint:']);
  });

  it('every schema error at once, each with its JSON path', async () => {
    const s = await withConfigText(
      JSON.stringify({ gate: { sources: 'serve' }, colour: 1, policy: { rules: [{ rule: 'files', maxBytes: -1 }] } }),
    );
    const r = await expectRejected(s, [
      'error[ERR_CONFIG_INVALID]',
      '/gate/sources: must be array',
      '/: unknown key "colour"',
      '/policy/rules/0/maxBytes: must be >= 1',
    ]);
    expect(r.all).toContain('has 3 errors');
  });

  it('a broken extends chain', async () => {
    const s = await withConfigText(JSON.stringify({ extends: 'nowhere/base.json' }));
    await expectRejected(s, ['error[ERR_CONFIG_EXTENDS]', 'nowhere/base.json does not exist (extended from']);
  });
});

describe('extends', () => {
  it('merges a shared base: rules by id, objects deeply, the repository file wins', async () => {
    const base = {
      identity: { groups: { devs: ['bob'] } },
      policy: {
        rules: [
          { rule: 'message', pattern: '^BASE' },
          { rule: 'merges', allow: false },
        ],
      },
    };
    const s = await scenario(
      { extends: 'base.json', repo: { id: 'acme/app' }, policy: { rules: [{ rule: 'message', pattern: '^OWN' }] } },
      { files: { 'base.json': JSON.stringify(base) } },
    );
    await commit(s.work, { 'a.txt': 'a' }, 'BASE: from the base policy');
    await expectRejected(s, ['does not match ^OWN']);
    await commit(s.work, { 'a.txt': 'b' }, 'OWN: the repository policy wins');
    // the first changeset still fails; replace the history
    const { hgOk } = await import('./helpers/hg-fixture.js');
    await hgOk(s.work, ['--config', 'extensions.strip=', 'strip', '-q', '--no-backup', '-r', '0']);
    await commit(s.work, { 'a.txt': 'c' }, 'OWN: only this one');
    await expectAccepted(s);
  });

  it('refuses a base that sets repo.id', async () => {
    const s = await scenario({ extends: 'base.json' }, { files: { 'base.json': JSON.stringify({ repo: { id: 'x/y' } }) } });
    await commit(s.work, { 'a.txt': 'a' }, 'x');
    await expectRejected(s, ['error[ERR_CONFIG_EXTENDS]', 'sets repo.id, which is never inherited']);
  });
});

describe('a configuration checked once (config/checked-configs.ts)', () => {
  const record = (s: Scenario) => join(s.central, '.hg', 'taskgate', 'schema-checked');

  it('is remembered by digest; an edit that breaks it is refused at the next push', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS-[0-9]+' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: fine');
    await expectAccepted(s);
    const path = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as { policy: { rules: Array<Record<string, unknown>> } };
    expect(readFileSync(record(s), 'utf8')).toBe(`${configDigest(config)}\n`);
    expect(statSync(record(s)).mode & 0o777).toBe(0o600);
    config.policy.rules[0]!['maxLength'] = 'long';
    writeFileSync(path, JSON.stringify(config));
    await commit(s.work, { 'a.txt': 'b' }, 'OPS-2: after the edit');
    await expectRejected(s, ['error[ERR_CONFIG_INVALID]', '/policy/rules/0: unknown key "maxLength"']);
  });

  it('a "__proto__" key is refused: merged over a base, it would hide settings from the digest', async () => {
    const base = { identity: { users: { alice: {} } } };
    const own = { extends: 'base.json', repo: { id: 'acme/app' }, policy: { rules: [] } };
    const s = await scenario(own, { files: { 'base.json': JSON.stringify(base) } });
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: recorded');
    await expectAccepted(s);
    // merged, this one has the recorded digest, but its settings hide in alice's prototype
    const hidden = JSON.stringify({ ...own, identity: { users: { alice: { __proto__x: { emails: 'x', colour: 1 } } } } });
    writeFileSync(join(s.central, '.hg', 'taskgate.json'), hidden.replace('__proto__x', '\\u005f_proto__'));
    await commit(s.work, { 'a.txt': 'b' }, 'OPS-2: anything');
    await expectRejected(s, ['error[ERR_CONFIG_INVALID]', 'has a key named "__proto__"']);
  });

  it('a build without its configuration validator refuses a new configuration as not built', async () => {
    const s = await scenario(onlyRules([]));
    // a copy of the hooks and their bundles, less dist/config-validator.cjs (the hook bundles load it by path)
    const copy = join(s.dir, 'taskgate');
    cpSync(join(ROOT, 'hooks'), join(copy, 'hooks'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true, filter: (src) => !src.endsWith('config-validator.cjs') });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const hgrc = join(s.central, '.hg', 'hgrc');
    writeFileSync(hgrc, readFileSync(hgrc, 'utf8').replace(GATE_HOOK, join(copy, 'hooks', 'pretxnchangegroup')));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: anything');
    await expectRejected(s, [
      'error[ERR_NOT_BUILT]',
      "taskgate's configuration validator (dist/config-validator.cjs) cannot be loaded (MODULE_NOT_FOUND)",
      'hint: run ./scripts/test, or npm ci && npm run build, in the taskgate folder',
    ]);
  });

  it('a record that others may write, or for another schema, proves nothing', async () => {
    const s = await scenario(onlyRules([]));
    const path = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
    config['colour'] = 1;
    writeFileSync(path, JSON.stringify(config));
    // the digest of exactly this configuration, in a record anyone may write
    mkdirSync(dirname(record(s)), { recursive: true });
    writeFileSync(record(s), `${configDigest(config)}\n`, { mode: 0o666 });
    chmodSync(record(s), 0o666);
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: anything');
    await expectRejected(s, ['error[ERR_CONFIG_INVALID]', '/: unknown key "colour"']);
    // a digest of another schema's check does not name this configuration
    writeFileSync(record(s), `${'0'.repeat(64)}\n`, { mode: 0o600 });
    chmodSync(record(s), 0o600);
    await expectRejected(s, ['error[ERR_CONFIG_INVALID]', '/: unknown key "colour"']);
  });
});
