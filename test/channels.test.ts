// The pusher over each channel (local path, ssh, hg serve, hgweb behind a proxy), never the account that runs the hook.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';
import { DUMMY_SSH, hgServe, hgwebWithRemoteUser } from './helpers/servers.js';

const pathsAndBranch = onlyRules([
  { rule: 'paths', deny: { 'deploy/prod/**': ['*'] }, allow: { '**': ['@devs'] }, except: ['@release'] },
  { rule: 'branch', push: { stable: ['@release'] } },
]);
const WEB = '[web]\nallow-push = *\npush_ssl = false\n';

function lastAudit(central: string): Record<string, unknown> {
  const lines = readFileSync(join(central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n');
  return JSON.parse(lines.at(-1)!).data as Record<string, unknown>;
}

describe('pusher identity over each channel', () => {
  it('local path: LOGNAME is the pusher, and paths acts on it', async () => {
    const s = await scenario(pathsAndBranch);
    await commit(s.work, { 'src/a.ts': 'a' }, 'add a');
    await expectRejected(s, ['carol may not change src/a.ts (no allow rule grants it)'], { LOGNAME: 'carol', USER: 'carol' });
    await expectAccepted(s, { LOGNAME: 'bob', USER: 'root' });
    expect(lastAudit(s.central)).toMatchObject({ pusher: 'bob', channel: 'local', groups: ['devs'] });
  });

  it('ssh: TASKGATE_USER from the forced command is the pusher, never the account running the hook', async () => {
    const s = await scenario(pathsAndBranch);
    const url = (user: string) => `ssh://${user}@localhost/${s.central}`;
    await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'deploy');
    await expectRejected(
      s,
      ['remote:   ', 'bob may not change deploy/prod/app.yaml (denied to *)'],
      { LOGNAME: 'alice' },
      ['-e', DUMMY_SSH],
      url('bob'),
    );
    // alice is in @release, exempt from paths
    await expectAccepted(s, { LOGNAME: 'bob' }, ['-e', DUMMY_SSH], url('alice'));
    expect(lastAudit(s.central)).toMatchObject({ pusher: 'alice', channel: 'ssh' });
  });

  it('ssh without TASKGATE_USER is the unknown pusher, not the service account', async () => {
    const s = await scenario(pathsAndBranch);
    await commit(s.work, { 'src/a.ts': 'a' }, 'add a');
    await expectRejected(
      s,
      ['the unknown pusher (ssh) may not change src/a.ts'],
      { LOGNAME: 'alice', USER: 'alice' },
      ['-e', DUMMY_SSH],
      `ssh://anonymous@localhost/${s.central}`,
    );
  });

  it('http through hg serve: an anonymous push is the unknown pusher', async () => {
    const s = await scenario(pathsAndBranch, { hgrc: WEB });
    const url = await hgServe(s.central);
    await commit(s.work, { 'src/a.ts': 'a' }, 'add a');
    await expectRejected(s, ['remote: ', 'the unknown pusher (http) may not change src/a.ts'], { LOGNAME: 'alice' }, [], url);
  });

  it('http through hg serve: a policy that needs no identity accepts it', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS' }]), { hgrc: WEB });
    const url = await hgServe(s.central);
    await commit(s.work, { 'src/a.ts': 'a' }, 'OPS: add a');
    await expectAccepted(s, {}, [], url);
    expect(lastAudit(s.central)).toMatchObject({ pusher: null, channel: 'http' });
  });

  it('hgweb behind a proxy setting REMOTE_USER: that user is the pusher, and branch and paths act on it', async () => {
    const s = await scenario(pathsAndBranch, { hgrc: WEB });
    const hostPort = await hgwebWithRemoteUser(s.central);
    await commit(s.work, { 'src/a.ts': 'a' }, 'add a');
    await expectRejected(s, ['carol may not change src/a.ts (no allow rule grants it)'], {}, [], `http://carol:pw@${hostPort}/`);
    await commit(s.work, { 'src/b.ts': 'b' }, 'on stable', { branch: 'stable' });
    await expectRejected(s, ['bob may not push to branch stable (allowed: @release)'], {}, [], `http://bob:pw@${hostPort}/`);
    await expectAccepted(s, {}, [], `http://alice:pw@${hostPort}/`);
    expect(lastAudit(s.central)).toMatchObject({ pusher: 'alice', channel: 'http', groups: ['devs', 'release'] });
  });
});
