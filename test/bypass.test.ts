// Bypassing the policy: an admin's marker with a reason skips all but secrets and manifest, anyone else's is a violation, reasons are escaped.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit } from './helpers/hg-fixture.js';
import { examplePolicy } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

function audit(central: string) {
  return readFileSync(join(central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
}

describe('bypass', () => {
  it('an admin passes every rule but secrets and manifest with a marker and a reason, and the audit log says why', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'hotfix POLICY-BYPASS: prod is down', { user: 'someone' });
    await expectAccepted(s, { LOGNAME: 'root' });
    const last = audit(s.central).at(-1)!;
    expect(last.event).toBe('push.bypassed');
    expect(last.data['bypassed']).toEqual([{ node: expect.stringMatching(/^[0-9a-f]{40}$/), reason: 'prod is down' }]);
  });

  it('the marker from anyone else is itself a violation', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'src/a.ts': 'x' }, 'OPS-1: change POLICY-BYPASS: because', { user: 'Bob <bob@acme.test>' });
    await expectRejected(s, ['bypass', 'bob may not bypass the policy (POLICY-BYPASS:)'], { LOGNAME: 'bob' });
  });

  it('a whole push bypassed with --pushvars', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'src/a.ts': 'x' }, 'no key', { user: 'x' });
    await expectRejected(s, ['may not bypass the policy (TASKGATE_BYPASS)'], { LOGNAME: 'bob' }, ['--pushvars', 'TASKGATE_BYPASS=urgent']);
    await expectAccepted(s, { LOGNAME: 'root' }, ['--pushvars', 'TASKGATE_BYPASS=incident 42']);
    expect(audit(s.central).at(-1)!.data['bypassed']).toEqual([{ node: null, reason: 'incident 42' }]);
  });

  it('the bypass line reaches the pusher escaped: a reason with ESC/OSC bytes cannot retitle the terminal', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'src/a.ts': 'x' }, 'no key', { user: 'x' });
    const reason = 'incident \x1b]0;owned\x07 \x1b[2J';
    const r = await expectAccepted(s, { LOGNAME: 'root' }, ['--pushvars', `TASKGATE_BYPASS=${reason}`]);
    expect(r.all).not.toContain('\x1b');
    expect(r.all).toContain('taskgate: policy bypassed by root: incident \\x1b]0;owned\\x07 \\x1b[2J');
    expect(audit(s.central).at(-1)!.data['bypassed']).toEqual([{ node: null, reason }]);
  });
});
