// The heads rule, pushed for real: a linear push passes, a second head on default is refused.
import { describe, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

describe('heads rule', () => {
  it('accepts a linear push and rejects a second head on default', async () => {
    const s = await scenario(onlyRules([{ rule: 'heads', singleHeadPerBranch: true }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await commit(s.work, { 'a.txt': 'b' }, 'two');
    await expectAccepted(s);
    await hgOk(s.work, ['update', '-q', '0']);
    await commit(s.work, { 'c.txt': 'c' }, 'a second head');
    await expectRejected(s, [/\(push\)|[0-9a-f]{12} {2}heads +branch default would have 2 open heads/, 'hint: pull, merge or rebase']);
  });
});
