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
    await commit(s.work, { 'src/a.ts': 'c' }, 'bad message');
    await expectRejected(s, ['"bad message" does not match'], { LOGNAME: 'alice', TASKGATE_HG: wrapper });
    expect(readFileSync(log, 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
