// Large pushes: 10,000 changesets are read and checked in full, and hundreds of violations reach an ssh pusher whole.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { centralLog, push } from './helpers/hg-fixture.js';
import { makeHistory } from './helpers/history.js';
import { examplePolicy } from './helpers/policy.js';
import { expectRejected, scenario } from './helpers/scenario.js';
import { DUMMY_SSH } from './helpers/servers.js';

describe('large pushes', () => {
  it('a 10,000-changeset push is read and checked in full', async () => {
    const s = await scenario(examplePolicy());
    await makeHistory(s.work, 10_000, ['--files', '2000']);
    const r = await push(s.work, s.central, { LOGNAME: 'alice' });
    expect(r.exitCode, r.all).toBe(0);
    expect((await centralLog(s.central)).trim().split('\n')).toHaveLength(10_000);
    const last = readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .at(-1)!;
    expect(JSON.parse(last)).toMatchObject({ event: 'push.accepted', data: { changesets: 10_000, pusher: 'alice' } });
  }, 300_000);

  it('hundreds of violations reach an ssh pusher whole', async () => {
    const s = await scenario(examplePolicy());
    await makeHistory(s.work, 300, ['--desc', 'no issue key {i}', '--files', '50']);
    const r = await expectRejected(
      s,
      ['taskgate: push rejected: 300 violations in 300 of 300 changesets', 'taskgate: nothing was added'],
      { LOGNAME: 'alice' },
      ['-e', DUMMY_SSH],
      `ssh://alice@localhost/${s.central}`,
    );
    const lines = r.all.split('\n').filter((l) => /^remote: {3}[0-9a-f]{12} {2}message {4}"no issue key \d+" does not match/.test(l));
    expect(lines).toHaveLength(300);
  }, 120_000);
});
