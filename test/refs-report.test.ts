// One report and one audit record per push, listing the changeset and refs verdicts together.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, hg, hgOk } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { scenario } from './helpers/scenario.js';

const rules = [
  { rule: 'message', pattern: '^[A-Z]+-[0-9]+: ' },
  { rule: 'tags', protect: '^v[0-9]' },
  { rule: 'bookmarks', protect: [{ pattern: '^production$', create: ['@release'], move: ['@release'] }] },
];

function pushRecords(central: string): Array<{ event: string; data: Record<string, unknown> }> {
  return readFileSync(join(central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> })
    .filter((r) => r.event.startsWith('push.'));
}

describe('one report and one audit record per push', () => {
  it('a push moving a protected tag and a protected bookmark lists both; each push has one record with both verdicts', async () => {
    const s = await scenario(onlyRules(rules));
    await commit(s.work, { 'a.txt': 'a' }, 'OPS-1: one');
    await hgOk(s.work, ['tag', '-r', '0', 'v1.0', '-m', 'OPS-2: tag v1.0']);
    await hgOk(s.work, ['bookmark', '-r', '0', 'production']);
    const ok = await hg(s.work, ['push', '-r', 'tip', '-B', 'production', s.central], { LOGNAME: 'alice' });
    expect(ok.exitCode, ok.all).toBe(0);
    const accepted = pushRecords(s.central);
    expect(accepted).toHaveLength(1);
    expect(accepted[0]).toMatchObject({
      event: 'push.accepted',
      data: { pusher: 'alice', changesets: 2, gate: 'accepted', refs: { verdict: 'accepted', bookmarks: [{ name: 'production' }] } },
    });

    const moved = await commit(s.work, { 'a.txt': 'b' }, 'OPS-3: two');
    await hgOk(s.work, ['tag', '-f', '-r', '.', 'v1.0', '-m', 'OPS-4: move v1.0']);
    await hgOk(s.work, ['bookmark', '-f', '-r', moved, 'production']);
    const r = await hg(s.work, ['push', '-r', 'tip', '-B', 'production', s.central], { LOGNAME: 'bob' });
    expect(r.exitCode, r.all).not.toBe(0);
    expect(r.all.match(/taskgate: push rejected/g)).toHaveLength(1);
    expect(r.all).toContain('taskgate: push rejected: 2 violations');
    expect(r.all).toMatch(/\(push\) +tags +moves the protected tag v1\.0/);
    expect(r.all).toMatch(/\(push\) +bookmarks +bob may not move bookmark production/);
    expect((await hgOk(s.central, ['log', '-r', 'v1.0', '-T', '{rev}'])).trim()).toBe('0');

    const records = pushRecords(s.central);
    expect(records).toHaveLength(2);
    const rejected = records[1]!;
    expect(rejected.event).toBe('push.rejected');
    expect(rejected.data).toMatchObject({ pusher: 'bob', gate: 'accepted', refs: { verdict: 'rejected' } });
    expect((rejected.data['violations'] as Array<{ rule: string }>).map((v) => v.rule)).toEqual(['tags', 'bookmarks']);
    expect(rejected.data['txn']).toMatch(/^TXN:/);
    expect(rejected.data['txn']).not.toBe(accepted[0]!.data['txn']);
  });

  it('a changeset the gate refuses stops the push there: one report, one record', async () => {
    const s = await scenario(onlyRules(rules));
    await commit(s.work, { 'a.txt': 'a' }, 'no issue key');
    const r = await hg(s.work, ['push', s.central], { LOGNAME: 'alice' });
    expect(r.exitCode).not.toBe(0);
    expect(r.all.match(/taskgate: push rejected/g)).toHaveLength(1);
    expect(pushRecords(s.central).map((x) => x.event)).toEqual(['push.rejected']);
  });
});
