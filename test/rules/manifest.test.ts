// The manifest rule: a broken manifest is refused with every problem, it cannot be bypassed, and the sandbox's task fields are checked (issue 13).
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

describe('manifest rule: the task fields of the sandbox (issue 13)', () => {
  it('refuses a bad network, a negative or huge timeout, an unknown resource and a bad size, each by its JSON path', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    const tasks = {
      a: { run: 'x', network: 'yes' },
      b: { run: 'x', timeout: '-5m' },
      c: { run: 'x', timeout: '30d' },
      d: { run: 'x', timeout: '25h' },
      e: { run: 'x', resources: { memory: '2g', disk: '10g' } },
      f: { run: 'x', resources: { memory: 'lots', processes: 0 } },
      g: { run: 'x', hermetic: 1, supersede: 'no' },
    };
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }) }, 'limits');
    await expectRejected(s, [
      'tasks.json/tasks/a/network: must be boolean',
      'tasks.json/tasks/b/timeout: must be a duration of at most 24h',
      'tasks.json/tasks/c/timeout: must be a duration of at most 24h',
      'tasks.json/tasks/d/timeout: must be a duration of at most 24h',
      'tasks.json/tasks/e/resources: unknown key "disk"',
      'tasks.json/tasks/f/resources/memory: must be a size',
      'tasks.json/tasks/f/resources/processes: must be >= 1',
      'tasks.json/tasks/g/hermetic: must be boolean',
      'tasks.json/tasks/g/supersede: must be boolean',
    ]);
  });

  it("refuses a task audience equal to the workers' one: the default in the schema, a configured one by the rule", async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }], { tokens: { audience: 'acme-workers' } }));
    const tasks = { a: { run: 'x', audience: 'taskgate-workers' }, b: { run: 'x', audience: 'acme-workers' } };
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }) }, 'audience');
    await expectRejected(s, ["tasks.json/tasks/a/audience: must not be the workers' audience"]);
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: { b: tasks.b } }) }, 'audience 2');
    await expectRejected(s, ['tasks.json/tasks/b/audience: must not be "acme-workers", the workers\' audience (tokens.audience)']);
  });

  it('accepts the largest timeout, the task fields and resources within their limits', async () => {
    const s = await scenario(onlyRules([{ rule: 'manifest' }]));
    const tasks = {
      a: {
        run: 'x',
        timeout: '24h',
        network: true,
        hermetic: true,
        supersede: true,
        resources: { memory: '512m', processes: 64, log: '1m' },
      },
      b: { run: 'x', timeout: '1440m', audience: 'https://artifacts.acme.test' },
    };
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }) }, 'fine');
    await expectAccepted(s);
  });
});
