// The tasks a push affects, through real pushes (inputs, renames, heads, merges, manifest changes), and the lineage back to the push.
import { describe, expect, it } from 'vitest';
import { commit, hgOk, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

const MANIFEST = {
  version: 1,
  tasks: {
    build: { inputs: ['src/**', 'package.json'], run: 'npm ci && npm run build', owners: ['@devs'] },
    test: { requires: ['build'], inputs: ['test/**'], run: 'npm test', timeout: '20m', retries: 1 },
    docs: { requires: ['build'], inputs: ['docs/**', '!docs/drafts/**'], run: 'make docs', branches: ['default'] },
    lint: { inputs: ['**/*.ts'], run: 'npm run lint' },
  },
};

async function withTrigger(): Promise<Scenario> {
  return scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
}

async function seed(s: Scenario): Promise<string> {
  const node = await commit(
    s.work,
    { 'tasks.json': JSON.stringify(MANIFEST, null, 2), 'src/a.ts': 'a', 'docs/x.md': 'x', 'test/t.ts': 't', README: 'r' },
    'seed',
  );
  await expectAccepted(s);
  return node;
}

/** Task name -> reasons, in the order the jobs were created, for one head. */
async function tasksAt(s: Scenario, node: string) {
  return (await jobsOf(s.central)).filter((j) => j.rev === node).map((j) => ({ task: j.task, status: j.status, reasons: j.reasons }));
}

describe('affected tasks, through real pushes', () => {
  it('a first push: every task, with a new manifest, in topological order', async () => {
    const s = await withTrigger();
    const node = await seed(s);
    const jobs = await tasksAt(s, node);
    expect(jobs.map((j) => j.task)).toEqual(['build', 'docs', 'lint', 'test']);
    expect(jobs.map((j) => j.status)).toEqual(['ready', 'pending', 'ready', 'pending']);
    expect(jobs[0]!.reasons).toEqual([
      { kind: 'file', file: 'src/a.ts', glob: 'src/**' },
      { kind: 'definition', change: 'new-manifest' },
    ]);
    expect(jobs[1]!.reasons).toEqual([
      { kind: 'file', file: 'docs/x.md', glob: 'docs/**' },
      { kind: 'definition', change: 'new-manifest' },
      { kind: 'upstream', task: 'build' },
    ]);
  });

  it('a change to an input: the task and everything that requires it, each with its reason', async () => {
    const s = await withTrigger();
    await seed(s);
    const node = await commit(s.work, { 'src/a.ts': 'b' }, 'change a');
    await expectAccepted(s);
    expect(await tasksAt(s, node)).toEqual([
      { task: 'build', status: 'ready', reasons: [{ kind: 'file', file: 'src/a.ts', glob: 'src/**' }] },
      { task: 'docs', status: 'pending', reasons: [{ kind: 'upstream', task: 'build' }] },
      { task: 'lint', status: 'ready', reasons: [{ kind: 'file', file: 'src/a.ts', glob: '**/*.ts' }] },
      { task: 'test', status: 'pending', reasons: [{ kind: 'upstream', task: 'build' }] },
    ]);
    const jobs = (await jobsOf(s.central)).filter((j) => j.rev === node);
    const build = jobs.find((j) => j.task === 'build')!;
    expect(jobs.find((j) => j.task === 'test')!.requires).toEqual([build.id]);
    // a pending job has no token until its upstream job is done; a ready one has its queued token
    expect(build.tokenJti).toMatch(/^[0-9a-f-]{36}$/);
    expect(jobs.find((j) => j.task === 'test')!.tokenJti).toBeNull();
  });

  it('an excluded path affects nothing', async () => {
    const s = await withTrigger();
    await seed(s);
    const node = await commit(s.work, { 'docs/drafts/wip.md': 'w' }, 'draft');
    const r = await expectAccepted(s);
    expect(await tasksAt(s, node)).toEqual([]);
    expect(r.all).toContain(`taskgate: ${node.slice(0, 12)} (default): no task affected`);
  });

  it('a rename counts both sides, and a delete counts', async () => {
    const s = await withTrigger();
    await seed(s);
    await hgOk(s.work, ['mv', 'src/a.ts', 'lib/a.js']);
    const moved = await commit(s.work, {}, 'move a out of src');
    await expectAccepted(s);
    expect((await tasksAt(s, moved)).find((j) => j.task === 'build')!.reasons).toEqual([
      { kind: 'file', file: 'src/a.ts', glob: 'src/**' },
    ]);
    expect((await tasksAt(s, moved)).find((j) => j.task === 'lint')!.reasons).toEqual([
      { kind: 'file', file: 'src/a.ts', glob: '**/*.ts' },
    ]);
    const deleted = await commit(s.work, { 'test/t.ts': null }, 'delete the test');
    await expectAccepted(s);
    expect((await tasksAt(s, deleted)).map((j) => j.task)).toEqual(['lint', 'test']);
  });

  it('several heads in one push: jobs per head, and docs left out off default', async () => {
    const s = await withTrigger();
    const base = await seed(s);
    const a = await commit(s.work, { 'src/a.ts': 'on default' }, 'default work');
    await hgOk(s.work, ['update', '-q', base]);
    const b = await commit(s.work, { 'src/b.ts': 'on feature' }, 'feature work', { branch: 'feature/x' });
    await expectAccepted(s);
    expect((await tasksAt(s, a)).map((j) => j.task)).toEqual(['build', 'docs', 'lint', 'test']);
    expect((await tasksAt(s, b)).map((j) => j.task)).toEqual(['build', 'lint', 'test']);
    const jobs = await jobsOf(s.central);
    expect(new Set(jobs.filter((j) => j.rev === a || j.rev === b).map((j) => j.push.id)).size).toBe(1);
  });

  it('a clean merge of two heads already on the server affects what the other side brought', async () => {
    const s = await withTrigger();
    const base = await seed(s);
    await commit(s.work, { 'test/t.ts': 'one side' }, 'one side');
    await expectAccepted(s);
    await hgOk(s.work, ['update', '-q', base]);
    await commit(s.work, { 'docs/y.md': 'other side' }, 'other side', { branch: 'feature/docs' });
    await expectAccepted(s);
    await hgOk(s.work, ['update', '-q', 'default']);
    await hgOk(s.work, ['merge', '-q', 'feature/docs']);
    await hgOk(s.work, ['commit', '-q', '-m', 'merge docs']);
    const merge = (await hgOk(s.work, ['log', '-r', '.', '-T', '{node}'])).trim();
    expect((await hgOk(s.work, ['log', '-r', '.', '-T', '{files}'])).trim()).toBe('');
    await expectAccepted(s);
    expect(await tasksAt(s, merge)).toEqual([
      { task: 'docs', status: 'ready', reasons: [{ kind: 'file', file: 'docs/y.md', glob: 'docs/**' }] },
    ]);
  });

  it('a manifest change re-runs only the tasks whose definitions changed; owners alone re-run nothing', async () => {
    const s = await withTrigger();
    await seed(s);
    const changed = { ...MANIFEST, tasks: { ...MANIFEST.tasks, test: { ...MANIFEST.tasks.test, run: 'npm test -- --ci' } } };
    const node = await commit(s.work, { 'tasks.json': JSON.stringify(changed, null, 2) }, 'test in ci mode');
    await expectAccepted(s);
    expect(await tasksAt(s, node)).toEqual([{ task: 'test', status: 'ready', reasons: [{ kind: 'definition', change: 'changed' }] }]);
    const owners = { ...changed, tasks: { ...changed.tasks, build: { ...changed.tasks.build, owners: ['alice'] } } };
    const node2 = await commit(s.work, { 'tasks.json': JSON.stringify(owners, null, 2) }, 'new owners');
    await expectAccepted(s);
    expect(await tasksAt(s, node2)).toEqual([]);
  });

  it('taskgate affected answers for a past push what the trigger did', async () => {
    const s = await withTrigger();
    await seed(s);
    const node = await commit(s.work, { 'src/a.ts': 'b' }, 'change a');
    await expectAccepted(s);
    const r = await taskgate(s.central, ['affected', '-r', node]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      [
        `head ${node.slice(0, 12)} (default): 1 changed file`,
        '  build  src/a.ts matches src/**',
        '  docs   requires build',
        '  lint   src/a.ts matches **/*.ts',
        '  test   requires build',
      ].join('\n'),
    );
    const json = JSON.parse((await taskgate(s.central, ['affected', '-r', node, '--json'])).stdout);
    expect(json.heads[0].tasks.map((t: { task: string }) => t.task)).toEqual(['build', 'docs', 'lint', 'test']);
  });
});

describe('lineage', () => {
  it('walks from a job back to the push, the pusher, the changeset, the file and the glob', async () => {
    const s = await scenario(
      { repo: { id: 'acme/app' }, identity: { groups: { devs: ['bob'] } }, policy: { rules: [] } },
      { trigger: true },
    );
    await commit(s.work, { 'tasks.json': JSON.stringify(MANIFEST), 'src/a.ts': 'a' }, 'seed');
    await expectAccepted(s, { LOGNAME: 'bob' });
    const node = await commit(s.work, { 'src/lib/util.ts': 'u' }, 'OPS-7: add a util');
    await expectAccepted(s, { LOGNAME: 'bob' });
    const build = (await jobsOf(s.central)).find((j) => j.rev === node && j.task === 'build')!;
    const r = await taskgate(s.central, ['lineage', build.id]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain(`job ${build.id}: build at ${node.slice(0, 12)} (default), ready`);
    expect(r.stdout).toMatch(/push TXN:[0-9a-f]+ by bob via local at \S+, accepted by the gate/);
    expect(r.stdout).toContain(`changeset ${node.slice(0, 12)} Alice <alice@acme.test>: OPS-7: add a util`);
    expect(r.stdout).toContain('    src/lib/util.ts matches src/**');
    expect(r.stdout).toMatch(/queued +[0-9a-f-]{36} live/);
    const json = JSON.parse((await taskgate(s.central, ['lineage', node.slice(0, 12), '--json'])).stdout);
    expect(json.map((l: { job: { task: string } }) => l.job.task)).toEqual(['build', 'docs', 'lint', 'test']);
    expect(json[0].reasons).toEqual([{ kind: 'file', file: 'src/lib/util.ts', glob: 'src/**' }]);
  });
});
