// Bookmark triggers: a move queues exactly the tasks filtered to that bookmark, and a move a dying hook left is queued once by reconcile.
import { describe, expect, it } from 'vitest';
import { commit, hg, hgOk, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';

const manifest = JSON.stringify({
  version: 1,
  tasks: {
    build: { inputs: ['src/**'], run: 'true' },
    deploy: { inputs: ['src/**', 'tasks.json'], run: 'true', bookmarks: ['production'] },
    smoke: { requires: ['deploy'], run: 'true', bookmarks: ['prod*'] },
    stage: { inputs: ['**'], run: 'true', bookmarks: ['staging'] },
  },
});

describe('bookmark triggers', () => {
  it('a bookmark-only move of production queues exactly the tasks filtered to it; other bookmarks queue nothing', async () => {
    // a bookmarks rule, so pretxnclose reads and records every move (with no refs rule it reads none)
    const guard = { rule: 'bookmarks', protect: [{ pattern: '^@$', move: ['*'] }] };
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [guard] } }, { trigger: true });
    const a = await commit(s.work, { 'tasks.json': manifest, 'src/a.ts': 'a' }, 'one');
    await expectAccepted(s);
    // a pushed head queues the tasks without a bookmarks filter only
    expect((await jobsOf(s.central)).map((j) => j.task)).toEqual(['build']);
    const b = await commit(s.work, { 'src/b.ts': 'b' }, 'two');
    await expectAccepted(s);

    await hgOk(s.work, ['bookmark', '-r', a, 'production']);
    const created = await hg(s.work, ['push', '-B', 'production', s.central]);
    expect(created.all).toContain(`taskgate: bookmark production moved to ${a.slice(0, 12)}: 2 jobs queued: deploy, smoke`);
    await hgOk(s.work, ['bookmark', '-f', '-r', b, 'production']);
    const moved = await hg(s.work, ['push', '-B', 'production', s.central], { LOGNAME: 'bob' });
    expect(moved.all).toContain(`taskgate: bookmark production moved to ${b.slice(0, 12)}: 2 jobs queued: deploy, smoke`);

    const atB = (await jobsOf(s.central)).filter((j) => j.rev === b);
    expect(atB.map((j) => j.task).sort()).toEqual(['build', 'deploy', 'smoke']);
    const deploy = atB.find((j) => j.task === 'deploy')!;
    expect(deploy.reasons).toEqual([
      { kind: 'bookmark', bookmark: 'production', from: a, to: b, by: 'bob' },
      { kind: 'file', file: 'src/b.ts', glob: 'src/**' },
    ]);
    expect(atB.find((j) => j.task === 'smoke')!.requires).toEqual([deploy.id]);
    const lineage = await taskgate(s.central, ['lineage', deploy.id]);
    expect(lineage.stdout).toContain(`bookmark production moved from ${a.slice(0, 12)} to ${b.slice(0, 12)} by bob`);
    // the move's jobs have a push id of their own; the verdict is found under its transaction
    expect(lineage.stdout).toMatch(/push TXN:\S+:bookmark:production by bob via local at \S+, accepted by the gate/);

    // another bookmark: nothing filtered to it
    const before = (await jobsOf(s.central)).length;
    await hgOk(s.work, ['bookmark', '-r', a, 'feature']);
    const other = await hg(s.work, ['push', '-B', 'feature', s.central]);
    expect(other.all).toContain('taskgate: bookmark feature: no task filtered to it is affected');
    expect((await jobsOf(s.central)).length).toBe(before);
  });

  it('a bookmark hook that dies after recording the move leaves it to reconcile, which queues it once, as its pusher', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const a = await commit(s.work, { 'tasks.json': manifest, 'src/a.ts': 'a' }, 'one');
    await expectAccepted(s);
    await hgOk(s.work, ['bookmark', '-r', a, 'production']);
    // the move is final before the hook runs: a killed txnclose hook cannot undo it
    const killed = await hg(s.work, ['push', '-B', 'production', s.central], {
      LOGNAME: 'bob',
      TASKGATE_TEST_KILL_AT: 'bookmark:recorded',
    });
    expect(killed.all).not.toContain('jobs queued');
    expect((await hgOk(s.central, ['bookmarks', '-T', '{bookmark}\n'])).trim()).toBe('production');
    expect((await jobsOf(s.central)).map((j) => j.task)).toEqual(['build']);

    const doctor = await taskgate(s.central, ['doctor']);
    expect(doctor.stdout).toMatch(/bookmark moves.*1 bookmark move whose hook did not finish/);

    const first = await taskgate(s.central, ['reconcile']);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toContain('bookmark moves replayed: 1 (2 jobs)');
    const jobs = await jobsOf(s.central);
    expect(jobs.map((j) => j.task).sort()).toEqual(['build', 'deploy', 'smoke']);
    const deploy = jobs.find((j) => j.task === 'deploy')!;
    expect(deploy.reasons[0]).toEqual({ kind: 'bookmark', bookmark: 'production', from: null, to: a, by: 'bob' });

    // nothing left to replay, nothing doubled
    const again = await taskgate(s.central, ['reconcile']);
    expect(again.stdout).toContain('bookmark moves replayed: 0 (0 jobs)');
    expect((await jobsOf(s.central)).length).toBe(3);
    expect((await taskgate(s.central, ['doctor'])).stdout).toMatch(/bookmark moves.*every move queued/);
  });
});
