// Superseding (DESIGN §14, issue 13): quick pushes to one branch run a `"supersede": true` task once, for the newest head.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';

// "supersede": true (DESIGN §14): a newer push's job cancels the older ones of the same branch not yet running.

describe('superseding (issue 13)', () => {
  it('three quick pushes to one branch run the task once, for the newest head; the others say superseded and by which job', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const tasks = {
      deploy: { inputs: ['src/**'], supersede: true, run: 'echo "deployed $TASKGATE_REV"' },
      notify: { requires: ['deploy'], run: 'echo notified' },
      lint: { inputs: ['src/**'], run: 'true' },
    };
    for (let i = 1; i <= 3; i++) {
      await commit(
        s.work,
        { ...(i === 1 ? { 'tasks.json': JSON.stringify({ version: 1, tasks }) } : {}), 'src/a.ts': `v${i}` },
        `push ${i}`,
      );
      await expectAccepted(s, { LOGNAME: 'bob' });
    }
    const before = await jobsOf(s.central);
    const heads = [...new Set(before.map((j) => j.rev))];
    expect(heads).toHaveLength(3);
    const job = (task: string, push: number) => before.find((j) => j.task === task && j.rev === heads[push])!;
    const w = await taskgate(s.central, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    const after = new Map((await jobsOf(s.central)).map((j) => [j.id, j]));
    const show = async (id: string) => (await taskgate(s.central, ['jobs', 'show', id])).stdout;
    // the newest head's deploy ran, once
    expect(after.get(job('deploy', 2).id)!.status).toBe('done');
    expect(taskLog(s.central, job('deploy', 2).id)).toBe(`deployed ${heads[2]}\n`);
    expect(after.get(job('notify', 2).id)!.status).toBe('done');
    // the older ones were cancelled by the next push's deploy, and their dependents with them
    for (const [older, newer] of [
      [0, 1],
      [1, 2],
    ] as const) {
      for (const task of ['deploy', 'notify']) {
        expect(after.get(job(task, older).id)!.status).toBe('cancelled');
        expect(await show(job(task, older).id)).toContain(`reason: superseded by ${job('deploy', newer).id}`);
        expect(taskLog(s.central, job(task, older).id)).toBe('');
      }
      // a task without supersede runs for every push
      expect(after.get(job('lint', older).id)!.status).toBe('done');
    }
    // their tokens died
    const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'), { readonly: true });
    const live = db.prepare("SELECT count(*) AS n FROM tokens WHERE job_id = ? AND state = 'live'");
    expect((live.get(job('deploy', 0).id) as { n: number }).n).toBe(0);
    expect((live.get(job('deploy', 1).id) as { n: number }).n).toBe(0);
    db.close();
    const audit = readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { event: string; data: { job: string; by: string; reason: string } })
      .filter((r) => r.event === 'job.superseded');
    expect(audit.map((r) => [r.data.job, r.data.by, r.data.reason])).toEqual([
      [job('deploy', 0).id, job('deploy', 1).id, 'superseded'],
      [job('notify', 0).id, job('deploy', 1).id, 'superseded'],
      [job('deploy', 1).id, job('deploy', 2).id, 'superseded'],
      [job('notify', 1).id, job('deploy', 2).id, 'superseded'],
    ]);
  });
});
