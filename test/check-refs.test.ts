// `taskgate check` on refs: a `--bookmark` move and the tags a revset changes are judged as pretxnclose would.
import { describe, expect, it } from 'vitest';
import { commit, hgOk, taskgate } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, scenario } from './helpers/scenario.js';

describe('taskgate check on refs', () => {
  it('--bookmark NAME=REV judges a bookmark move, as pretxnclose would', async () => {
    const rule = { rule: 'bookmarks', protect: [{ pattern: '^production$', create: ['@release'], delete: ['@admins'] }] };
    const s = await scenario(onlyRules([rule]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await expectAccepted(s);
    const bob = await taskgate(s.dir, ['check', '-R', s.central, '--bookmark', 'production=0', '--user', 'bob']);
    expect(bob.exitCode, bob.stderr).toBe(1);
    expect(bob.stdout).toContain('taskgate: 1 violation');
    expect(bob.stdout).toMatch(/\(push\) +bookmarks +bob may not create bookmark production \(at [0-9a-f]{12}\) \(allowed: @release\)/);
    const alice = await taskgate(s.dir, ['check', '-R', s.central, '--bookmark', 'production=tip', '--user', 'alice', '--json']);
    expect(alice.exitCode, alice.stderr).toBe(0);
    expect(JSON.parse(alice.stdout)).toMatchObject({ ok: true, violations: [] });
    const bad = await taskgate(s.dir, ['check', '-R', s.central, '--bookmark', 'production']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('error[ERR_USAGE]');
  });

  it('-r REVSET judges the tags those changesets would change, on any branch', async () => {
    const s = await scenario(onlyRules([{ rule: 'tags', protect: '^v[0-9]' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'one');
    await hgOk(s.work, ['tag', '-r', '0', 'v1.0', '-m', 'tag v1.0']);
    await expectAccepted(s);
    await hgOk(s.work, ['update', '-q', '0']);
    await hgOk(s.work, ['branch', '-q', 'feature/x']);
    const his = await commit(s.work, { 'b.txt': 'b' }, 'mine');
    await commit(s.work, { '.hgtags': `${his} v1.0\n` }, 'retag');
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`, '-r', 'draft()', '--user', 'bob']);
    expect(r.exitCode, r.stderr).toBe(1);
    expect(r.stdout).toContain(`moves the protected tag v1.0 from`);
    expect(r.stdout).toContain(`to ${his.slice(0, 12)}`);
  });
});
