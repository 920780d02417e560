import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, executable, hgOk } from './helpers/hg-fixture.js';
import { examplePolicy } from './helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from './helpers/scenario.js';

describe('reading a push', () => {
  it('the gate runs exactly one hg process for the whole example policy', async () => {
    const s = await scenario(examplePolicy());
    const log = join(s.dir, 'hg-calls.log');
    // a wrapper that records each call and runs the real hg
    const wrapper = executable(join(s.dir, 'hg-counting'), `#!/bin/sh\necho "$*" >> ${log}\nexec hg "$@"\n`);
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } }), 'src/a.ts': 'a' },
      'OPS-1: the first change',
    );
    await hgOk(s.work, ['tag', '-q', 'v1.0', '-m', 'OPS-2: tag the release']);
    await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-3: the second change');
    await expectAccepted(s, { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(1);
    // with none of DESIGN §18's mode and merge options on, the read asks for neither
    expect(readFileSync(log, 'utf8')).not.toMatch(/--flags|--parent-branches/);
    await commit(s.work, { 'src/a.ts': 'c' }, 'bad message');
    await expectRejected(s, ['"bad message" does not match'], { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
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
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls).toHaveLength(1);
    expect(calls[0]).toContain('--flags');
    expect(calls[0]).toContain('--parent-branches');
  });
});
