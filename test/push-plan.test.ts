// The gate's plan, read back, gives the trigger what its own read of hg would (DESIGN §13: a push is read once).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PlanRecorder, readPlan, withPlanNeeds, writePlan, type PlanKey } from '../src/hg/push-plan.js';
import { readChangesets } from '../src/hg/read-push.js';
import { planPush } from '../src/trigger/plan-push.js';
import { baseEnv, hgOk, tempDir } from './helpers/hg-fixture.js';
import { makeHistory } from './helpers/history.js';

const MANIFEST = 'tasks.json';

/** What the trigger takes from each changeset. */
const seen = (cs: { node: string; rev: number; parents: string[]; parentRevs: number[]; branch: string; files: { hex: string }[] }) => ({
  node: cs.node,
  rev: cs.rev,
  parents: cs.parents,
  parentRevs: cs.parentRevs,
  branch: cs.branch,
  files: cs.files.map((f) => f.hex),
});

describe('the plan the gate leaves for the trigger', () => {
  it('holds every changeset the trigger reads, files named once, and plans the same jobs as a read of hg', async () => {
    const repo = tempDir();
    await hgOk(repo, ['init']);
    const tasks = { version: 1, tasks: { a: { inputs: ['src/dir001/**'], run: 'true' }, b: { inputs: ['src/**'], run: 'true' } } };
    writeFileSync(join(repo, MANIFEST), JSON.stringify(tasks));
    await hgOk(repo, ['commit', '-q', '-A', '-m', 'OPS-0: tasks', '-u', 'Alice <alice@acme.test>']);
    // renames, deletes, a merge every 20: files named again and again, merges judged on their delta
    await makeHistory(repo, 200, ['--files', '60', '--renames', '--merges', '20']);
    const [node, nodeLast] = (await hgOk(repo, ['log', '-r', '0:tip', '-T', '{node}\n']))
      .trim()
      .split('\n')
      .filter((_, i, a) => i === 0 || i === a.length - 1);
    const key: PlanKey = { txn: 'TXN:test', node: node!, nodeLast: nodeLast!, manifestPath: MANIFEST };
    const env = baseEnv();
    const recorder = new PlanRecorder(MANIFEST);
    await readChangesets(repo, `${key.node}:${key.nodeLast}`, withPlanNeeds({ sizes: 1000 }, MANIFEST), env, recorder);
    expect(writePlan(repo, key, recorder.lines, { verdict: null, quiet: false })).toBe(true);
    const file = readdirSync(join(repo, '.hg', 'taskgate', 'plans')).find((n) => n.endsWith('.plan'))!;
    const text = readFileSync(join(repo, '.hg', 'taskgate', 'plans', file), 'latin1');
    // no author or description in it; each file's name once
    expect(text).not.toContain(Buffer.from('Alice').toString('hex'));
    const names = text
      .split('\n')
      .filter((l) => l.startsWith('{"t":"names"'))
      .flatMap((l) => (JSON.parse(l) as { hex: string[] }).hex);
    expect(new Set(names).size).toBe(names.length);

    const fromPlan = readPlan(repo, key, { consume: true })!.push;
    const fromHg = await readChangesets(repo, `${key.node}:${key.nodeLast}`, { headStatus: true, track: [MANIFEST] }, env);
    expect(fromPlan.changesets.map(seen)).toEqual(fromHg.changesets.map(seen));
    expect(fromPlan.changesets.some((cs) => cs.parents.length === 2)).toBe(true);
    expect(fromPlan.headRevs).toEqual(fromHg.headRevs);
    expect(planPush(fromPlan, MANIFEST)).toEqual(planPush(fromHg, MANIFEST));
    expect(planPush(fromPlan, MANIFEST)[0]!.tasks.map((t) => t.task)).toEqual(['a', 'b']);
    // consumed: a second read finds nothing
    expect(readPlan(repo, key, { consume: true })).toBeNull();
  }, 120_000);
});
