// The tags rule, each case pushed for real: protected tags created only by `create`, never moved or removed, even from an older branch (issue 12).
import { describe, expect, it } from 'vitest';
import { commit, hgOk, makeClone } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const tags = { rule: 'tags', protect: '^v[0-9]' };

describe('tags rule', () => {
  it('lets a new release tag in, then refuses moving or removing it', async () => {
    const s = await scenario(onlyRules([tags]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['tag', '-r', '0', 'v1.0', '-m', 'tag v1.0']);
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['tag', '-f', '-r', '.', 'v1.0', '-m', 'move v1.0']);
    await expectRejected(s, ['moves the protected tag v1.0', 'hint: published release tags are permanent']);
  });

  it('refuses removing a protected tag, and allows moving an unprotected one', async () => {
    const s = await scenario(onlyRules([tags]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['tag', '-r', '0', 'v2.0', 'latest', '-m', 'tags']);
    await expectAccepted(s);
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['tag', '-f', '-r', '.', 'latest', '-m', 'move latest']);
    await expectAccepted(s);
    await hgOk(s.work, ['tag', '--remove', 'v2.0', '-m', 'remove v2.0']);
    await expectRejected(s, ['removes the protected tag v2.0']);
  });

  it('refuses moving a protected tag from a new branch started before the tag (issue 12, defect 1)', async () => {
    const s = await scenario(onlyRules([tags, { rule: 'branch', create: ['@devs'] }]));
    // alice (release) tags the default head v1.0 and pushes
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['tag', '-r', '1', 'v1.0', '-m', 'tag v1.0']);
    await expectAccepted(s, { LOGNAME: 'alice' });
    const tagged = (await hgOk(s.central, ['log', '-r', 'v1.0', '-T', '{node}'])).trim();
    // bob (devs) clones -r 0, starts a branch, and writes his own node for v1.0 into .hgtags
    const bob = await makeClone(s.dir, s.central, 'bob');
    await hgOk(bob, ['update', '-q', '0']);
    await hgOk(bob, ['branch', '-q', 'feature/evil']);
    const his = await commit(bob, { 'evil.txt': 'x' }, 'evil', { user: 'Bob <bob@acme.test>' });
    await commit(bob, { '.hgtags': `${his} v1.0\n` }, 'retag', { user: 'Bob <bob@acme.test>' });
    const r = await expectRejected(
      { ...s, work: bob },
      [`moves the protected tag v1.0 from ${tagged.slice(0, 12)} to ${his.slice(0, 12)}`],
      { LOGNAME: 'bob' },
      ['--new-branch'],
    );
    expect(r.all).not.toContain('ERR_');
    expect((await hgOk(s.central, ['log', '-r', 'v1.0', '-T', '{node}'])).trim()).toBe(tagged);
  });

  it('lets only create name who adds a new protected tag', async () => {
    const s = await scenario(onlyRules([{ ...tags, create: ['@release'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await expectAccepted(s, { LOGNAME: 'bob' });
    await hgOk(s.work, ['tag', '-r', '0', 'v3.0', '-m', 'tag v3.0']);
    await expectRejected(s, ['bob may not create the protected tag v3.0'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });
});
