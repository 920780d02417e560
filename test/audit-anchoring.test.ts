// Audit anchoring (DESIGN §15, issue 14): signed checkpoints catch a consistently rewritten or deleted chain, and a forged one is refused.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { recordHash, type AuditRecord } from '../src/audit/audit-log.js';
import { commit, taskgate } from './helpers/hg-fixture.js';
import { expectAccepted, scenario } from './helpers/scenario.js';

/** The attack of issue 14: rewrite every record consistently (bob becomes alice, job events dropped), hashes and head included. */
function rewriteConsistently(log: string): void {
  const records = readFileSync(log, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as AuditRecord)
    .filter((r) => !r.event.startsWith('job'));
  let prev = '0'.repeat(64);
  const out = records.map((r, i) => {
    const body = { ...JSON.parse(JSON.stringify(r).replaceAll('bob', 'alice')), seq: i + 1, prev };
    delete body.hash;
    const hash = recordHash(body);
    prev = hash;
    return JSON.stringify({ ...body, hash });
  });
  writeFileSync(log, `${out.join('\n')}\n`);
  writeFileSync(`${log}.head`, JSON.stringify({ seq: out.length, hash: prev }));
}

async function anchored() {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const offHost = join(s.dir, 'other-mount', 'checkpoints.jsonl');
  mkdirSync(join(s.dir, 'other-mount'));
  const configPath = join(s.central, '.hg', 'taskgate.json');
  writeFileSync(configPath, JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), audit: { checkpoints: offHost } }));
  await commit(
    s.work,
    { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run: 'true' } } }), 'src/a.ts': 'a' },
    'one',
  );
  await expectAccepted(s, { LOGNAME: 'bob' });
  await commit(s.work, { 'src/a.ts': 'b' }, 'two');
  await expectAccepted(s, { LOGNAME: 'bob' });
  expect((await taskgate(s.central, ['worker', '--once'])).exitCode).toBe(0);
  return { s, offHost, log: join(s.central, '.hg', 'taskgate', 'audit.jsonl') };
}

describe('audit anchoring (DESIGN §15)', () => {
  it('the trigger ships a signed checkpoint; a consistently rewritten chain fails verify once one exists', async () => {
    const { s, offHost, log } = await anchored();
    // the first push anchored the chain (none before it), off the host's log directory
    const shipped = readFileSync(offHost, 'utf8').trim().split('\n');
    expect(shipped.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(Buffer.from(shipped[0]!.split('.')[0]!, 'base64url').toString())).toMatchObject({ typ: 'taskgate-checkpoint+jwt' });
    const now = await taskgate(s.central, ['audit', 'checkpoint']);
    expect(now.exitCode, now.stderr).toBe(0);
    expect(now.stdout).toMatch(/audit checkpoint: file chain at seq \d+/);
    const intact = await taskgate(s.central, ['audit', 'verify']);
    expect(intact.exitCode, intact.stdout).toBe(0);
    expect(intact.stdout).toMatch(/chain intact, checkpoint of .* holds/);

    rewriteConsistently(log);
    // the rewriter also removes the copy beside the log; the one on the other mount remains
    rmSync(`${log}.checkpoints`);
    expect((await taskgate(s.central, ['audit', 'verify', '--file', log])).exitCode).toBe(0);
    const r = await taskgate(s.central, ['audit', 'verify']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toMatch(/chain BROKEN[\s\S]*(does not match its signed hash|records were deleted)/);
  });

  it('a deleted log (and head) fails verify: against the checkpoint, and without any while the store knows of pushes', async () => {
    const { s, offHost, log } = await anchored();
    rmSync(log);
    rmSync(`${log}.head`);
    const r = await taskgate(s.central, ['audit', 'verify']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('the log holds 0');
    rmSync(offHost);
    rmSync(`${log}.checkpoints`);
    expect(existsSync(log)).toBe(false);
    const bare = await taskgate(s.central, ['audit', 'verify']);
    expect(bare.exitCode).toBe(1);
    expect(bare.stdout).toContain('the audit log is missing or empty, but the job store knows of pushes');
  });

  it('a forged checkpoint (not signed by the repository key) is refused, not trusted', async () => {
    const { s, offHost } = await anchored();
    const [h, , sig] = readFileSync(offHost, 'utf8').trim().split('\n')[0]!.split('.');
    const forged = Buffer.from(JSON.stringify({ chain: 'file', seq: 1, hash: 'f'.repeat(64), at: new Date().toISOString() })).toString(
      'base64url',
    );
    writeFileSync(offHost, `${h}.${forged}.${sig}\n`, { flag: 'a' });
    const r = await taskgate(s.central, ['audit', 'verify']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('a checkpoint beside the log or in audit.checkpoints is refused');
  });

  it('ships checkpoints to a URL that receives a POST; plain http only to this host', async () => {
    const { s } = await anchored();
    const received: string[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push(`${req.method} ${req.headers['content-type']} ${body}`);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
    const port = (receiver.address() as { port: number }).port;
    const configPath = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, audit: { checkpoints: `http://127.0.0.1:${port}/anchor` } }));
    const r = await taskgate(s.central, ['audit', 'checkpoint']);
    receiver.close();
    expect(r.exitCode, r.stderr).toBe(0);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatch(/^POST application\/jwt eyJ[\w-]+\.[\w-]+\.[\w-]+$/);
    writeFileSync(configPath, JSON.stringify({ ...config, audit: { checkpoints: 'http://anchor.example.test/anchor' } }));
    const plain = await taskgate(s.central, ['audit', 'checkpoint']);
    expect(plain.exitCode).not.toBe(0);
    expect(plain.stderr).toContain('only https URLs');
  });
});
