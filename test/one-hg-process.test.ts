// A push is read once (DESIGN §13): each hook runs at most one hg process, and a plan that is altered, foreign or readable by others is ignored.
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, executable, hgOk, jobsOf, push, tempDir } from './helpers/hg-fixture.js';
import { examplePolicy, onlyRules } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

describe('reading a push', () => {
  it('each hook runs at most one hg process for the whole example policy', async () => {
    const s = await scenario(examplePolicy());
    const log = join(s.dir, 'hg-calls.log');
    // a wrapper that records each call and runs the real hg
    const wrapper = executable(join(s.dir, 'hg-counting'), `#!/bin/sh\necho "$HG_HOOKTYPE $*" >> ${log}\nexec hg "$@"\n`);
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } }), 'src/a.ts': 'a' },
      'OPS-1: the first change',
    );
    await hgOk(s.work, ['tag', '-q', 'v1.0', '-m', 'OPS-2: tag the release']);
    await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-3: the second change');
    await expectAccepted(s, { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    const calls = () => readFileSync(log, 'utf8').trim().split('\n');
    // the gate reads the push; pretxnclose resolves the tags (the push adds one)
    expect(calls().map((c) => c.split(' ')[0])).toEqual(['pretxnchangegroup', 'pretxnclose']);
    // with none of DESIGN §18's mode and merge options on, the read asks for neither
    expect(readFileSync(log, 'utf8')).not.toMatch(/--flags|--parent-branches/);
    await commit(s.work, { 'src/a.ts': 'c' }, 'OPS-4: the third change');
    await expectAccepted(s, { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    // no ref moved and no .hgtags edit: pretxnclose answers from what the gate left, without hg
    expect(calls().map((c) => c.split(' ')[0])).toEqual(['pretxnchangegroup', 'pretxnclose', 'pretxnchangegroup']);
    await commit(s.work, { 'src/a.ts': 'd' }, 'bad message');
    await expectRejected(s, ['"bad message" does not match'], { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    // the gate refused: the transaction ends there, pretxnclose never runs
    expect(calls()).toHaveLength(4);
  });
});

describe('a push is read once (DESIGN §13)', () => {
  const MANIFEST = JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } });
  // runs after the gate, inside the same transaction: it does to the gate's plan what TAMPER says
  const TAMPER = [
    'import glob, os, re, shutil, sys',
    "mode = os.environ.get('TAMPER', '')",
    "plans = os.path.join(os.getcwd(), '.hg', 'taskgate', 'plans')",
    "stash = os.path.join(os.getcwd(), '..', 'stashed.plan')",
    "for p in glob.glob(os.path.join(plans, '*.plan')):",
    "    if mode == 'alter':",
    "        lines = open(p).read().split('\\n')",
    '        body = [re.sub(r\'"files":\\[[^\\]]*\\]\', \'"files":[]\', l) for l in lines[1:] if not l.startswith(\'{"t":"headstatus"\')]',
    "        open(p, 'w').write('\\n'.join(lines[:1] + body))",
    "    elif mode.startswith('save'):",
    '        shutil.copy(p, stash)',
    "    elif mode == 'replay':",
    '        shutil.copy(stash, p)',
    "if mode == 'repath':",
    "    config = os.path.join(os.getcwd(), '.hg', 'taskgate.json')",
    '    text = open(config).read().replace(\'"tasks.json"\', \'"ci/tasks.json"\')',
    "    open(config, 'w').write(text)",
    "sys.exit(1 if mode == 'save-refuse' else 0)",
    '',
  ].join('\n');

  async function setup(config: Record<string, unknown> = {}) {
    const s = await scenario(onlyRules([{ rule: 'message', pattern: '^OPS' }], { repo: { id: 'acme/plan' }, ...config }), {
      trigger: true,
      hgrc: `pretxnchangegroup.tamper = /usr/bin/python3 ${join(tempDir(), 'unused')}\n`,
    });
    const script = join(s.dir, 'tamper.py');
    writeFileSync(script, TAMPER);
    // the tamper hook after the gate, in the same [hooks] section
    const hgrc = join(s.central, '.hg', 'hgrc');
    writeFileSync(
      hgrc,
      readFileSync(hgrc, 'utf8').replace(/pretxnchangegroup\.tamper = .*/, `pretxnchangegroup.tamper = /usr/bin/python3 ${script}`),
    );
    const log = join(s.dir, 'hg-calls.log');
    const wrapper = executable(join(s.dir, 'hg-counting'), `#!/bin/sh\necho "$*" >> ${log}\nexec hg "$@"\n`);
    const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').length : 0);
    // the key and pretxnclose's (emptied) scratch file stay
    const plans = () => readdirSync(join(s.central, '.hg', 'taskgate', 'plans')).filter((n) => n !== 'key' && n !== '.pretxnclose-scratch');
    return { s, env: (tamper = '') => ({ LOGNAME: 'alice', TASKGATE_HG: wrapper, TAMPER: tamper }), calls, plans };
  }

  const jobsAt = async (central: string, node: string) => (await jobsOf(central)).filter((j) => j.rev === node).map((j) => j.task);

  it('gate and trigger together start one hg process, and the plan is gone after the push', async () => {
    const { s, env, calls, plans } = await setup();
    const first = await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(s, env());
    expect(calls()).toBe(1);
    expect(await jobsAt(s.central, first)).toEqual(['build']);
    expect(plans()).toEqual([]);
    const key = statSync(join(s.central, '.hg', 'taskgate', 'plans', 'key'));
    expect(key.mode & 0o777).toBe(0o600);
    // a refused push leaves no plan behind
    await commit(s.work, { 'src/a.ts': 'b' }, 'bad message');
    await expectRejected(s, ['"bad message" does not match'], env());
    expect(plans()).toEqual([]);
  });

  it('an altered plan is ignored: the trigger reads for itself and queues the same jobs', async () => {
    const { s, env, calls, plans } = await setup();
    const first = await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(s, env('alter'));
    expect(calls()).toBe(2);
    expect(await jobsAt(s.central, first)).toEqual(['build']);
    expect(plans()).toEqual([]);
  });

  it("another transaction's plan, replayed under this one's name, is ignored", async () => {
    const { s, env, calls } = await setup();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(s, env('save'));
    expect(calls()).toBe(1);
    // another range
    const second = await commit(s.work, { 'src/b.ts': 'b' }, 'OPS-2: the second change');
    await expectAccepted(s, env('replay'));
    expect(calls()).toBe(3);
    expect(await jobsAt(s.central, second)).toEqual(['build']);
    // the same range in another transaction: a push the gate accepted and a later hook refused, then pushed again
    const third = await commit(s.work, { 'src/c.ts': 'c' }, 'OPS-3: the third change');
    const refused = await push(s.work, s.central, env('save-refuse'));
    expect(refused.exitCode).not.toBe(0);
    expect(calls()).toBe(4);
    await expectAccepted(s, env('replay'));
    expect(calls()).toBe(6);
    expect(await jobsAt(s.central, third)).toEqual(['build']);
  });

  it('a plan for another manifest path (the configuration changed after the gate) is ignored', async () => {
    const { s, env, calls } = await setup({ manifest: { path: 'tasks.json' } });
    const other = JSON.stringify({ version: 1, tasks: { other: { inputs: ['src/**'], run: 'make' } } });
    const first = await commit(s.work, { 'tasks.json': MANIFEST, 'ci/tasks.json': other, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    const r = await expectAccepted(s, env('repath'));
    expect(calls(), r.all).toBe(2);
    expect(await jobsAt(s.central, first)).toEqual(['other']);
  });

  it('without the gate (a source it does not judge) the trigger reads for itself', async () => {
    const { s, env, calls } = await setup({ gate: { sources: ['serve'] } });
    const first = await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(s, env());
    expect(calls()).toBe(1);
    expect(await jobsAt(s.central, first)).toEqual(['build']);
  });

  it('a plan key that others can read is not used: the trigger reads for itself', async () => {
    const { s, env, calls } = await setup();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    await expectAccepted(s, env());
    chmodSync(join(s.central, '.hg', 'taskgate', 'plans', 'key'), 0o644);
    const second = await commit(s.work, { 'src/b.ts': 'b' }, 'OPS-2: the second change');
    await expectAccepted(s, env());
    expect(calls()).toBe(3);
    expect(await jobsAt(s.central, second)).toEqual(['build']);
  });

  it('the options of DESIGN §18 read what they need in that same one process', async () => {
    const policy = examplePolicy() as { policy: { rules: unknown[] } };
    policy.policy.rules.push(
      {
        rule: 'files',
        id: 'modes',
        symlinks: false,
        executables: ['@release'],
        caseOnlyRenames: false,
        contains: { '**/.arcconfig': ['http:'] },
      },
      { rule: 'merges', id: 'cross', allow: 'cross-branch' },
      { rule: 'heads', id: 'roots', singleHeadPerBranch: false, singleRoot: true, branchesPerPush: 2 },
      { rule: 'message', id: 'magic', paths: ['nsprpub/**'], pattern: '^$', exemptWhen: { message: 'UPGRADE_NSPR_RELEASE' } },
    );
    const s = await scenario(policy);
    const log = join(s.dir, 'hg-calls.log');
    const wrapper = executable(join(s.dir, 'hg-counting'), `#!/bin/sh\necho "$*" >> ${log}\nexec hg "$@"\n`);
    await commit(s.work, { 'src/a.ts': 'a', 'nsprpub/a.c': 'a' }, 'OPS-1: the first change UPGRADE_NSPR_RELEASE');
    await commit(s.work, { 'src/b.ts': 'b' }, 'OPS-2: on a feature branch', { branch: 'feature/x' });
    await hgOk(s.work, ['update', '-q', 'default']);
    await hgOk(s.work, ['merge', '-q', 'feature/x']);
    await hgOk(s.work, ['commit', '-q', '-m', 'OPS-3: merge feature/x', '-u', 'Alice <alice@acme.test>']);
    await expectAccepted(s, { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    const all = readFileSync(log, 'utf8').trim().split('\n');
    // the push carries a merge, which can change the tags the repository resolves: pretxnclose reads those itself
    expect(all.filter((c) => c.includes('taskgate_refs'))).toHaveLength(1);
    const calls = all.filter((c) => !c.includes('taskgate_refs'));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('--flags');
    expect(calls[0]).toContain('--parent-branches');
  });
});
