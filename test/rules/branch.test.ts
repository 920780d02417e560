// The branch rule, each case pushed for real: names, who may create, push to and close a branch, a new branch smuggled in a merge.
import { describe, it } from 'vitest';
import { commit, hgOk } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const rule = {
  rule: 'branch',
  names: '^(default|stable|feature/[a-z0-9._-]+)$',
  push: { stable: ['@release'] },
  create: ['@devs'],
  close: ['@release'],
};

async function withStable() {
  const s = await scenario(onlyRules([rule]));
  await commit(s.work, { 'a.txt': 'a' }, 'base');
  await commit(s.work, { 'b.txt': 'b' }, 'stable starts', { branch: 'stable' });
  await expectAccepted(s, { LOGNAME: 'alice' });
  return s;
}

describe('branch rule', () => {
  it('rejects a branch name that does not match', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'x', { branch: 'Feature_X' });
    await expectRejected(s, ['branch name "Feature_X" does not match'], { LOGNAME: 'bob' });
  });

  it('lets a dev create a feature branch, and refuses it to someone outside create', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'base');
    await commit(s.work, { 'b.txt': 'b' }, 'feature', { branch: 'feature/login' });
    await expectRejected(s, ['carol may not create branch feature/login (allowed: @devs)'], { LOGNAME: 'carol' });
    await expectAccepted(s, { LOGNAME: 'bob' });
  });

  it('refuses a push to stable from outside @release, and accepts it from alice', async () => {
    const s = await withStable();
    await commit(s.work, { 'c.txt': 'c' }, 'fix on stable');
    await expectRejected(s, ['bob may not push to branch stable (allowed: @release)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('refuses closing a branch from outside close', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'base');
    await commit(s.work, { 'b.txt': 'b' }, 'feature', { branch: 'feature/old' });
    await expectAccepted(s, { LOGNAME: 'bob' });
    await hgOk(s.work, ['commit', '-q', '--close-branch', '-m', 'close it']);
    await expectRejected(s, ['bob may not close branch feature/old (allowed: @release)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('catches a new branch smuggled inside a merge', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'base');
    await expectAccepted(s, { LOGNAME: 'bob' });
    await commit(s.work, { 'b.txt': 'b' }, 'side', { branch: 'feature/sneaky' });
    await hgOk(s.work, ['update', '-q', 'default']);
    await hgOk(s.work, ['merge', '-q', 'feature/sneaky']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge it']);
    await expectRejected(s, ['carol may not create branch feature/sneaky'], { LOGNAME: 'carol' });
  });
});
