// The files rule, each case pushed for real: sizes, forbidden files, case-only clashes and names that are not portable.
import { describe, expect, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const rule = { rule: 'files', maxBytes: 1000, forbid: ['**/*.pem', '**/.env'], caseCollisions: true, portableNames: true };

describe('files rule', () => {
  it('accepts ordinary files, binary ones, and names with spaces and quotes', async () => {
    // double quotes are invalid on Windows, so portableNames stays off here
    const s = await scenario(onlyRules([{ ...rule, portableNames: false }]));
    await commit(s.work, { 'src/a b.txt': 'x', 'src/it\'s "quoted".txt': 'y', 'img/logo.bin': Buffer.from([0, 1, 2, 255, 0]) }, 'files');
    await expectAccepted(s);
  });

  it('names a double quote as unportable', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'say "hi".txt': 'x' }, 'quoted');
    await expectRejected(s, [`say "hi".txt contains '"' (invalid on Windows)`]);
  });

  it('rejects a file over maxBytes', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'big.bin': Buffer.alloc(5000, 7) }, 'big');
    await expectRejected(s, ['big.bin is 5000 bytes, over the limit of 1000']);
  });

  it('rejects forbidden files, and allows removing them', async () => {
    const s = await scenario(onlyRules([{ rule: 'files', forbid: ['**/*.pem'] }]));
    await commit(s.work, { 'keys/server.pem': 'k' }, 'key');
    await expectRejected(s, ['keys/server.pem matches the forbidden **/*.pem']);
  });

  it('rejects two paths differing only in case', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { README: 'a' }, 'one');
    await expectAccepted(s);
    await commit(s.work, { readme: 'b' }, 'two');
    const r = await expectRejected(s, ['README and readme differ only in case']);
    expect(r.all).toContain('hint: rename one of them');
  });

  it('rejects names invalid on Windows', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'aux.txt': 'a', 'a:b': 'b', 'dot.': 'c' }, 'bad names');
    await expectRejected(s, ['aux.txt uses the reserved name aux', "a:b contains ':'", 'dot. has a name ending in a dot']);
  });
});
