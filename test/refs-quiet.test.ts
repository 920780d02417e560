// pretxnclose without node (DESIGN §13): only a quiet, keyed plan of this very transaction skips node, and a planted or altered one does not.
import { chmodSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, executable, hgOk, jobsOf } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

// hooks/pretxnclose answers without node only for a push whose gate left a quiet, keyed plan of
// this very transaction (and recorded the push), and that moved no bookmark, phase, tag or marker (DESIGN §13)
const MANIFEST = JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } });

// a pretxnchangegroup hook after the gate, in the same transaction: it does to the gate's plan what TAMPER says
const TAMPER = [
  'import glob, os, re, sys',
  "mode = os.environ.get('TAMPER', '')",
  "for p in glob.glob(os.path.join(os.getcwd(), '.hg', 'taskgate', 'plans', '*.plan')):",
  "    text = open(p, 'rb').read()",
  "    if mode == 'delete':",
  '        os.remove(p)',
  "    elif mode == 'quiet':",
  "        open(p, 'wb').write(text.replace(b'\"quiet\":false', b'\"quiet\":true', 1))",
  "    elif mode == 'othertxn':",
  "        open(p, 'wb').write(re.sub(rb'\"txn\":\"TXN:[0-9a-f]+\"', b'\"txn\":\"TXN:' + b'0' * 40 + b'\"', text, 1))",
  "    elif mode == 'chown':",
  '        os.chown(p, 65534, 65534)',
  "    elif mode == 'chmod':",
  '        os.chmod(p, 0o640)',
  'sys.exit(0)',
  '',
].join('\n');

async function setup(rules: Array<Record<string, unknown>>, options: { trigger?: boolean } = {}) {
  const s = await scenario(onlyRules(rules, { repo: { id: 'acme/quiet' } }), { trigger: options.trigger ?? true });
  const script = join(s.dir, 'tamper.py');
  writeFileSync(script, TAMPER);
  const hgrc = join(s.central, '.hg', 'hgrc');
  writeFileSync(hgrc, `${readFileSync(hgrc, 'utf8')}pretxnchangegroup.tamper = /usr/bin/python3 ${script}\n`);
  // `node` on PATH records which hook started it, then runs the real one
  const bin = join(s.dir, 'bin');
  const log = join(s.dir, 'node-calls.log');
  writeFileSync(log, '');
  mkdirSync(bin);
  executable(join(bin, 'node'), `#!/bin/sh\necho "$HG_HOOKTYPE" >> ${log}\nexec ${process.execPath} "$@"\n`);
  const nodeStarts = () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean);
  const env = (tamper = '') => ({ LOGNAME: 'alice', PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`, TAMPER: tamper });
  // the key, and the front's scratch file for its two hashes, stay (it is emptied after each use)
  const plansLeft = () =>
    readdirSync(join(s.central, '.hg', 'taskgate', 'plans')).filter((n) => n !== 'key' && n !== '.pretxnclose-scratch');
  const audit = () =>
    readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: Record<string, unknown> });
  const reset = () => writeFileSync(log, '');
  return { s, env, nodeStarts, plansLeft, audit, reset };
}

describe('pretxnclose without node (DESIGN §13)', () => {
  it('passes a push that moved no ref without node; the gate wrote its one record before the push closed', async () => {
    const t = await setup([
      { rule: 'message', pattern: '^OPS' },
      { rule: 'tags', protect: '^v[0-9]' },
    ]);
    const node = await commit(t.s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(t.s, t.env());
    expect(t.nodeStarts()).toEqual(['pretxnchangegroup', 'changegroup']);
    const records = t.audit().filter((r) => r.event.startsWith('push.'));
    expect(records.map((r) => r.event)).toEqual(['push.accepted', 'push.landed']);
    const accepted = records[0]!.data;
    expect(accepted['txn']).toMatch(/^TXN:[0-9a-f]{40}$/);
    expect(accepted['txn']).toBe(records[1]!.data['txn']);
    expect(accepted).toMatchObject({ node, pusher: 'alice', changesets: 1, heads: [node] });
    expect(t.plansLeft()).toEqual([]);
    const scratch = statSync(join(t.s.central, '.hg', 'taskgate', 'plans', '.pretxnclose-scratch'));
    expect(scratch.size).toBe(0);
    expect((await jobsOf(t.s.central)).map((j) => j.task)).toEqual(['build']);
  });

  it("a raw plan key from an older version is rewritten as hex, the same secret, by the gate: that push's pretxnclose starts no node", async () => {
    const t = await setup([{ rule: 'message', pattern: '^OPS' }]);
    const dir = join(t.s.central, '.hg', 'taskgate', 'plans');
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const raw = randomBytes(32);
    writeFileSync(join(dir, 'key'), raw, { mode: 0o600 });
    await commit(t.s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(t.s, t.env());
    expect(readFileSync(join(dir, 'key'), 'utf8')).toBe(`${raw.toString('hex')}\n`);
    expect(t.nodeStarts()).toEqual(['pretxnchangegroup', 'changegroup']);
    expect(
      t
        .audit()
        .filter((r) => r.event.startsWith('push.'))
        .map((r) => r.event),
    ).toEqual(['push.accepted', 'push.landed']);
  });

  it('runs node when a bookmark moves or a phases rule is on; without the trigger it passes too', { timeout: 300_000 }, async () => {
    const t = await setup([{ rule: 'message', pattern: '^OPS' }]);
    await commit(t.s.work, { 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await hgOk(t.s.work, ['bookmark', '-q', 'feature']);
    await expectAccepted(t.s, t.env(), ['-B', 'feature']);
    expect(t.nodeStarts()).toContain('pretxnclose');
    // no refs rule: pretxnclose judged nothing to add to the gate's record
    expect(t.audit().filter((r) => r.event === 'push.accepted')).toHaveLength(1);

    const phases = await setup([
      { rule: 'message', pattern: '^OPS' },
      { rule: 'phases', publish: ['*'] },
    ]);
    await commit(phases.s.work, { 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(phases.s, phases.env());
    expect(phases.nodeStarts()).toContain('pretxnclose');
    expect(phases.audit().filter((r) => r.event === 'push.accepted')).toHaveLength(1);

    const alone = await setup([{ rule: 'message', pattern: '^OPS' }], { trigger: false });
    await commit(alone.s.work, { 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(alone.s, alone.env());
    expect(alone.nodeStarts()).toEqual(['pretxnchangegroup']);
    expect(alone.audit().filter((r) => r.event === 'push.accepted')).toHaveLength(1);
  });

  it('a quiet claim planted on a push that moves a protected tag does not let it through', { timeout: 600_000 }, async () => {
    const t = await setup([
      { rule: 'message', pattern: '^OPS' },
      { rule: 'tags', protect: '^v[0-9]' },
    ]);
    await commit(t.s.work, { 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await hgOk(t.s.work, ['tag', '-q', '-r', '0', 'v1.0', '-m', 'OPS-2: tag v1.0']);
    await expectAccepted(t.s, t.env());
    // the push edits .hgtags: the gate's plan is not quiet, and pretxnclose judges in node
    expect(t.nodeStarts()).toEqual(['pretxnchangegroup', 'pretxnclose', 'changegroup']);
    await commit(t.s.work, { 'src/a.ts': 'b' }, 'OPS-3: the second change');
    await hgOk(t.s.work, ['tag', '-q', '-f', '-r', '.', 'v1.0', '-m', 'OPS-4: move v1.0']);
    for (const tamper of ['quiet', 'othertxn', 'chown', 'chmod', 'delete']) {
      t.reset();
      await expectRejected(t.s, ['moves the protected tag v1.0'], t.env(tamper));
      expect(t.nodeStarts(), tamper).toEqual(['pretxnchangegroup', 'pretxnclose']);
    }
  });

  it('a quiet plan altered, for another transaction, or not private is not trusted: node judges', { timeout: 600_000 }, async () => {
    const t = await setup([{ rule: 'message', pattern: '^OPS' }]);
    let n = 0;
    for (const tamper of ['othertxn', 'chown', 'chmod', 'delete']) {
      await commit(t.s.work, { 'src/a.ts': String(n++) }, `OPS-${n}: change ${n}`);
      t.reset();
      await expectAccepted(t.s, t.env(tamper));
      expect(t.nodeStarts(), tamper).toEqual(['pretxnchangegroup', 'pretxnclose', 'changegroup']);
    }
    // and untouched, the next push passes without node again
    await commit(t.s.work, { 'src/a.ts': 'z' }, 'OPS-9: the last change');
    t.reset();
    await expectAccepted(t.s, t.env());
    expect(t.nodeStarts()).toEqual(['pretxnchangegroup', 'changegroup']);
    // a key that others can read is not used either
    chmodSync(join(t.s.central, '.hg', 'taskgate', 'plans', 'key'), 0o644);
    await commit(t.s.work, { 'src/a.ts': 'y' }, 'OPS-10: the key is readable');
    t.reset();
    await expectAccepted(t.s, t.env());
    expect(t.nodeStarts()).toEqual(['pretxnchangegroup', 'pretxnclose', 'changegroup']);
  });
});
