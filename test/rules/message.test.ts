// The message rule, each case pushed for real: an issue key required, WIP forbidden, an empty description reported, merges skipped on request.
import { describe, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const rule = { rule: 'message', pattern: '^[A-Z]+-[0-9]+: .{8,}', forbid: ['^WIP\\b', '^fixup!'], skipMerges: true };

describe('message rule', () => {
  it('accepts a description with an issue key', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-12: add the first file');
    await expectAccepted(s);
  });

  it('rejects a description without an issue key, naming the changeset and the pattern', async () => {
    const s = await scenario(onlyRules([rule]));
    const node = await commit(s.work, { 'a.txt': 'a' }, 'fix stuff');
    await expectRejected(s, [
      `${node.slice(0, 12)}  message    "fix stuff" does not match ^[A-Z]+-[0-9]+: .{8,}`,
      'hint: reword the description',
      'taskgate: push rejected: 1 violation in 1 of 1 changeset',
      'taskgate: nothing was added; fix the changesets above and push again',
    ]);
  });

  it('rejects a forbidden WIP description even when it has a key elsewhere', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', forbid: ['^WIP\\b'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'WIP OPS-1: half done');
    await expectRejected(s, ['"WIP OPS-1: half done" matches the forbidden ^WIP\\b']);
  });

  it('reports an empty description readably (hg only allows it through debug commands, so use a raw commit)', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: initial commit here');
    // hg refuses an empty message on commit; rawcommit-style: amend with a whitespace-only message
    await hgOk(s.work, ['commit', '--amend', '-q', '-m', ' ']);
    await expectRejected(s, ['the empty description does not match']);
  });

  it('skips merges when skipMerges is set', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: base of the history');
    await hgOk(s.work, ['update', '-q', '0']);
    await commit(s.work, { 'b.txt': 'b' }, 'OPS-2: one side of the merge');
    await hgOk(s.work, ['update', '-q', '0']);
    await commit(s.work, { 'c.txt': 'c' }, 'OPS-3: other side of the merge');
    await hgOk(s.work, ['merge', '-q']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge']);
    await expectAccepted(s);
  });
});
