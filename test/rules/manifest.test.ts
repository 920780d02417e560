import { describe, it } from 'vitest';
import { commit } from '../helpers/hg-fixture.js';
import { onlyRules } from '../helpers/policy.js';
import { expectAccepted, expectRejected, scenario } from '../helpers/scenario.js';

describe('manifest rule', () => {
  it('accepts a valid manifest', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    await commit(
      s.work,
      {
        'tasks.json': JSON.stringify({
          version: 1,
          tasks: { build: { inputs: ['src/**'], run: 'make' }, test: { requires: ['build'], run: 'make test' } },
        }),
      },
      'tasks',
    );
    await expectAccepted(s);
  });

  it('rejects a cycle, an unknown task and a bad key, all at once', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    const tasks = { a: { requires: ['b'], run: 'x' }, b: { requires: ['a', 'ghost'], run: 'y' } };
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }) }, 'cycle');
    await expectRejected(s, ['tasks.json: task "b" requires "ghost", which is not a task', 'tasks.json: tasks form a cycle: a -> b -> a']);
  });

  it('rejects JSON that does not parse and a schema error', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    await commit(s.work, { 'tasks.json': '{ "version": 1, ' }, 'broken');
    await expectRejected(s, ['tasks.json is not valid JSON']);
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { run: 'x', colour: 'red' } } }) }, 'schema');
    await expectRejected(s, ['tasks.json/tasks/a: unknown key "colour"']);
  });

  it('cannot be bypassed', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    await commit(s.work, { 'tasks.json': '[' }, 'POLICY-BYPASS: hotfix');
    await expectRejected(s, ['tasks.json is not valid JSON'], { LOGNAME: 'root' });
  });
});
