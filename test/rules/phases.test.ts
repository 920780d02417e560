// The phases rule, pushed for real: draft-only repositories refuse public changesets, and only `publish` may push to a publishing one.
import { describe, expect, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const NON_PUBLISHING = '[phases]\npublish = false\n';

describe('phases rule', () => {
  it('draftOnly: drafts land; a changeset arriving public, or published later, is refused', async () => {
    const s = await scenario(onlyRules([{ rule: 'phases', draftOnly: true }]), { hgrc: NON_PUBLISHING });
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await expectAccepted(s);
    expect((await hgOk(s.central, ['log', '-r', 'tip', '-T', '{phase}'])).trim()).toBe('draft');

    const second = await commit(s.work, { 'a.txt': 'b' }, 'two');
    await hgOk(s.work, ['phase', '--public', '-r', '.']);
    await expectRejected(s, [
      `${second.slice(0, 12)}  phases`,
      'arrives public, and this repository accepts drafts only',
      'hint: push drafts',
    ]);

    // publishing a draft the server already has
    await hgOk(s.work, ['strip', '--config', 'extensions.strip=', '-q', '-r', second]);
    await hgOk(s.work, ['phase', '--public', '-r', '0']);
    const r = await expectRejected(s, ['is published (was draft), and this repository accepts drafts only']);
    expect(r.all).toContain('taskgate: push rejected: 1 violation\n');
    expect((await hgOk(s.central, ['log', '-r', '0', '-T', '{phase}'])).trim()).toBe('draft');
  });

  it('publish: on a publishing repository only the people in publish may push', async () => {
    const s = await scenario(onlyRules([{ rule: 'phases', publish: ['@release'] }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await expectRejected(s, ['bob may not make changesets public: this changeset arrives public (allowed: @release)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
    expect((await hgOk(s.central, ['log', '-r', 'tip', '-T', '{phase}'])).trim()).toBe('public');
  });
});
