// The paths rule, each case pushed for real: allowed and denied paths, `except`, removals, and merges judged on what they bring in.
import { describe, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

const rule = { rule: 'paths', deny: { 'deploy/prod/**': ['*'] }, allow: { '**': ['@devs'] }, except: ['@release'] };

describe('paths rule', () => {
  it('accepts a dev changing an allowed file', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'src/app.ts': 'x' }, 'app');
    await expectAccepted(s, { LOGNAME: 'bob' });
  });

  it('rejects a denied path for everyone, and lets @release through except', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'deploy');
    await expectRejected(s, ['bob may not change deploy/prod/app.yaml (denied to *)'], { LOGNAME: 'bob' });
    await expectAccepted(s, { LOGNAME: 'alice' });
  });

  it('judges a removal like any change', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'deploy');
    await expectAccepted(s, { LOGNAME: 'alice' });
    await commit(s.work, { 'deploy/prod/app.yaml': null }, 'remove it');
    await expectRejected(s, ['bob may not change deploy/prod/app.yaml'], { LOGNAME: 'bob' });
  });

  it('judges a merge on what it brings into its branch', async () => {
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'src/a.ts': 'a' }, 'base');
    await expectAccepted(s, { LOGNAME: 'bob' });
    await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'on a side branch', { branch: 'feature/x' });
    await expectAccepted(s, { LOGNAME: 'alice' });
    // bob merges alice's work into default: the merge brings deploy/prod/app.yaml into default
    const { hgOk } = await import('../helpers/hg-fixture.js');
    await hgOk(s.work, ['update', '-q', 'default']);
    await hgOk(s.work, ['merge', '-q', 'feature/x']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge feature/x']);
    await expectRejected(s, ['bob may not change deploy/prod/app.yaml (denied to *)'], { LOGNAME: 'bob' });
  });
});
