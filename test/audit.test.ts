// The audit log: the gate records every push, and verify finds an edited, deleted or reordered line or a cut-off tail; concurrent writers chain.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, tempDir } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';
import { appendAudit, verifyAudit } from '../src/audit/audit-log.js';

async function verify(file: string) {
  return execa(TASKGATE, ['audit', 'verify', '--file', file], { env: baseEnv(), extendEnv: false, reject: false });
}

async function fiveRecords(): Promise<string> {
  const file = join(tempDir(), 'audit.jsonl');
  for (let i = 0; i < 5; i++) await appendAudit(file, 'push.accepted', { n: i, pusher: 'bob' });
  return file;
}

describe('audit log', () => {
  it('the gate records accepted and rejected pushes, and the chain verifies', async () => {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS' }]));
    await commit(s.work, { 'a.txt': 'a' }, 'bad');
    await expectRejected(s, ['does not match ^OPS']);
    const { hgOk } = await import('./helpers/hg-fixture.js');
    await hgOk(s.work, ['commit', '--amend', '-q', '-m', 'OPS: good']);
    await expectAccepted(s);
    const file = join(s.central, '.hg', 'taskgate', 'audit.jsonl');
    const events = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).event);
    expect(events).toEqual(['push.rejected', 'push.accepted']);
    const r = await execa(TASKGATE, ['audit', 'verify', '-R', s.central], { env: baseEnv(), extendEnv: false, reject: false });
    expect(r.stdout).toContain('2 records, chain intact');
    expect(r.exitCode).toBe(0);
  });

  it('detects an edited line', async () => {
    const file = await fiveRecords();
    const lines = readFileSync(file, 'utf8').split('\n');
    lines[2] = lines[2]!.replace('"pusher":"bob"', '"pusher":"eve"');
    writeFileSync(file, lines.join('\n'));
    const r = await verify(file);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('line 3: hash does not match its content (the record was edited)');
  });

  it('detects a deleted line', async () => {
    const file = await fiveRecords();
    const lines = readFileSync(file, 'utf8').split('\n');
    lines.splice(1, 1);
    writeFileSync(file, lines.join('\n'));
    const r = await verify(file);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('line 2: seq 3 follows 1');
  });

  it('detects reordered lines', async () => {
    const file = await fiveRecords();
    const lines = readFileSync(file, 'utf8').split('\n');
    [lines[1], lines[2]] = [lines[2]!, lines[1]!];
    writeFileSync(file, lines.join('\n'));
    const r = await verify(file);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('line 2: seq 3 follows 1');
  });

  it('detects a cut-off tail', async () => {
    const file = await fiveRecords();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, `${lines.slice(0, 3).join('\n')}\n`);
    expect(verifyAudit(file).problems).toEqual([expect.stringContaining('the tail was cut off')]);
  });

  it('chains concurrent writers without a gap', async () => {
    const file = join(tempDir(), 'audit.jsonl');
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(file, 'push.accepted', { i })));
    const result = verifyAudit(file);
    expect(result).toEqual({ ok: true, records: 20, problems: [] });
  });

  it("the exchange's job events reach the disk in the background: each is in the file when its append resolves, and the chain stays whole", async () => {
    const file = join(tempDir(), 'audit.jsonl');
    for (let i = 0; i < 30; i++) {
      // a gate record (forced to disk before it returns) every tenth: both kinds chain as one
      const gate = i % 10 === 9;
      const rec = await appendAudit(file, gate ? 'push.accepted' : 'job.claimed', { i }, undefined, { background: !gate });
      expect(readFileSync(file, 'utf8').trim().split('\n').at(-1)).toBe(JSON.stringify(rec));
    }
    // more at once than may wait for the disk together
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(file, 'job.completed', { i }, undefined, { background: true })));
    expect(verifyAudit(file)).toEqual({ ok: true, records: 50, problems: [] });
  });
});
