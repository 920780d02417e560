// The merges rule, pushed for real: merges accepted when allowed, refused when not.
import { describe, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

async function mergeHistory(allow: boolean) {
  const s = await scenario(onlyRules([{ rule: 'merges', allow }]));
  await commit(s.work, { 'a.txt': 'a' }, 'base');
  await commit(s.work, { 'b.txt': 'b' }, 'one side');
  await hgOk(s.work, ['update', '-q', '0']);
  await commit(s.work, { 'c.txt': 'c' }, 'other side');
  await hgOk(s.work, ['merge', '-q']);
  await hgOk(s.work, ['commit', '-q', '-m', 'merge']);
  return s;
}

describe('merges rule', () => {
  it('accepts merges when allowed', async () => {
    await expectAccepted(await mergeHistory(true));
  });

  it('refuses merges when allow is false', async () => {
    await expectRejected(await mergeHistory(false), ['is a merge, and merges are not allowed here', 'hint: rebase instead of merging']);
  });
});
