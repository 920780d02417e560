// The obsolescence rule, pushed for real: an amended draft lands; markers from outside prune, or on a public changeset, are refused.
import { describe, expect, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectRejected, scenario } from '../helpers/scenario.js';
import { push } from '../helpers/hg-fixture.js';

const EVOLUTION = ['--config', 'experimental.evolution=all'];
const CENTRAL = '[phases]\npublish = false\n[experimental]\nevolution = all\n';

async function markers(repo: string): Promise<string> {
  return hgOk(repo, ['debugobsolete', ...EVOLUTION]);
}

describe('obsolescence rule', () => {
  it('an amended draft lands; markers from someone outside prune, or obsoleting a public changeset, are refused', async () => {
    const s = await scenario(onlyRules([{ rule: 'obsolescence', prune: ['@devs'] }]), { hgrc: CENTRAL });
    const first = await commit(s.work, { 'a.txt': 'a' }, 'one');
    expect((await push(s.work, s.central, {}, EVOLUTION)).exitCode).toBe(0);
    await hgOk(s.work, ['commit', '--amend', '-q', '-m', 'one, amended', ...EVOLUTION]);
    const amended = (await hgOk(s.work, ['log', '-r', '.', '-T', '{node}'])).trim();

    await expectRejected(
      s,
      [
        new RegExp(`${first.slice(0, 12)}  obsolescence +carol may`),
        `carol may not push obsolescence markers: one obsoletes (successor ${amended.slice(0, 12)})`,
      ],
      { LOGNAME: 'carol' },
      EVOLUTION,
    );
    expect(await markers(s.central)).toBe('');

    const r = await push(s.work, s.central, { LOGNAME: 'bob' }, EVOLUTION);
    expect(r.exitCode, r.all).toBe(0);
    expect(await markers(s.central)).toContain(first);

    // published history: a marker pruning a public changeset is refused
    await hgOk(s.work, ['phase', '--public', '-r', '.']);
    // a push of a phase alone: hg exits 1 ("no changes found") though the phase moves
    await push(s.work, s.central, { LOGNAME: 'bob' }, EVOLUTION);
    expect((await hgOk(s.central, ['log', '-r', amended, '-T', '{phase}'])).trim()).toBe('public');
    await hgOk(s.work, ['debugobsolete', ...EVOLUTION, amended]);
    const before = await markers(s.central);
    const refused = await push(s.work, s.central, { LOGNAME: 'bob' }, EVOLUTION);
    expect(refused.exitCode, refused.all).not.toBe(0);
    expect(refused.all).toMatch(new RegExp(`${amended.slice(0, 12)}  obsolescence +an obsolescence marker prunes this public changeset`));
    expect(refused.all).toContain('hint: published history is not rewritten');
    expect(await markers(s.central)).toBe(before);
  });
});
