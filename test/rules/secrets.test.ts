// The secrets rule, each case pushed for real: credentials refused by file and line without the secret, allowPaths, no bypass.
import { describe, expect, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const KEY = ['AKIA', 'ABCDEFGHIJKLMNOP'].join('');
const rule = { rule: 'secrets', allowPaths: ['test/fixtures/**'] };

describe('secrets rule', () => {
  it('rejects an AWS key, naming file and line but never the key', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'src/config.ts': 'export const region = "eu";\n' }, 'config');
    await expectAccepted(s);
    await commit(s.work, { 'src/config.ts': `export const region = "eu";\nexport const key = "${KEY}";\n` }, 'oops');
    const r = await expectRejected(s, ['src/config.ts:2 looks like an AWS access key', 'rotate the key']);
    expect(r.all).not.toContain(KEY);
  });

  it('finds a private key block in a new file', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'deploy/id': 'text\n-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n' }, 'key');
    await expectRejected(s, ['deploy/id:2 looks like a private key block']);
  });

  it('exempts allowPaths, and ignores unchanged lines', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'test/fixtures/fake.txt': `${KEY}\n` }, 'fixture');
    await expectAccepted(s);
  });

  it('cannot be bypassed', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': `${KEY}\n` }, 'POLICY-BYPASS: urgent');
    await expectRejected(s, ['a.txt:1 looks like an AWS access key'], { LOGNAME: 'root' });
  });
});
