import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, executable, hgOk } from './helpers/hg-fixture.js';
import { examplePolicy } from './helpers/policy.js';
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
