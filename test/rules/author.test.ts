// The author rule, each case pushed for real: the pusher's own changesets pass, a faked or non-matching author is refused, `except` exempts.
import { describe, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const rule = { rule: 'author', pattern: '^[^<>]+ <[^@<>]+@acme\\.test>$', matchPusher: true, except: ['@release'] };

describe('author rule', () => {
  it("accepts the pusher's own changesets", async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'mine', { user: 'Bob <bob@acme.test>' });
    await expectAccepted(s, { LOGNAME: 'bob' });
  });

  it('rejects an author faked as someone else', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'not mine', { user: 'Alice <alice@acme.test>' });
    await expectRejected(s, ['author     author "Alice <alice@acme.test>" is not bob', 'hint: push only your own changesets'], {
      LOGNAME: 'bob',
    });
  });

  it('rejects an author that does not match the pattern', async () => {
    const s = await scenario(onlyRules([{ rule: 'author', pattern: rule.pattern }]));
    await commit(s.work, { 'a.txt': 'a' }, 'bad author', { user: 'bob' });
    await expectRejected(s, ['author "bob" does not match ^[^<>]+ <[^@<>]+@acme\\.test>$'], { LOGNAME: 'bob' });
  });

  it('exempts the release group listed in except', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'on behalf of bob', { user: 'Bob <bob@acme.test>' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });
});
