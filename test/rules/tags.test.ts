import { describe, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

describe('tags rule', () => {
  it('lets a new release tag in, then refuses moving or removing it', async () => {
    const s = await scenario(onlyRules([{ rule: 'tags', protect: '^v[0-9]' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['tag', '-r', '0', 'v1.0', '-m', 'tag v1.0']);
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['tag', '-f', '-r', '.', 'v1.0', '-m', 'move v1.0']);
    await expectRejected(s, ['moves the protected tag v1.0', 'hint: published release tags are permanent']);
  });

  it('refuses removing a protected tag, and allows moving an unprotected one', async () => {
    const s = await scenario(onlyRules([{ rule: 'tags', protect: '^v[0-9]' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['tag', '-r', '0', 'v2.0', 'latest', '-m', 'tags']);
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['tag', '-f', '-r', '.', 'latest', '-m', 'move latest']);
    await expectAccepted(s);
    await hgOk(s.work, ['tag', '--remove', 'v2.0', '-m', 'remove v2.0']);
    await expectRejected(s, ['removes the protected tag v2.0']);
  });
});
