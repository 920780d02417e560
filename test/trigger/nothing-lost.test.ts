// The trigger never loses or doubles a job: hooks run twice, a store fault and its outbox, pushes no hook saw, a strip, then reconcile.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TRIGGER_HOOK, baseEnv, commit, hgOk, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

const MANIFEST = JSON.stringify({
  version: 1,
  tasks: { build: { inputs: ['src/**'], run: 'make' }, test: { requires: ['build'], run: 'make test' } },
});

async function withTrigger(): Promise<Scenario> {
  return scenario({ repo: { id: 'acme/app' }, identity: { groups: { devs: ['bob'] } }, policy: { rules: [] } }, { trigger: true });
}

/** Root ignores file modes, so make the store unopenable: its files moved aside, a folder in their place. */
function breakStore(s: Scenario): void {
  const dir = join(s.central, '.hg', 'taskgate');
  for (const f of readdirSync(dir).filter((n) => n.startsWith('jobs.db'))) renameSync(join(dir, f), join(s.dir, f));
  mkdirSync(join(dir, 'jobs.db'));
}

function restoreStore(s: Scenario): void {
  const dir = join(s.central, '.hg', 'taskgate');
  rmSync(join(dir, 'jobs.db'), { recursive: true });
  for (const f of readdirSync(s.dir).filter((n) => n.startsWith('jobs.db'))) renameSync(join(s.dir, f), join(dir, f));
}

function ids(jobs: Array<{ id: string }>) {
  return jobs.map((j) => j.id).sort();
}

describe('the trigger never loses a job and never doubles one', () => {
  it('running the hook twice, then reconcile, creates nothing new', async () => {
    const s = await withTrigger();
    const node = await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
    await expectAccepted(s, { LOGNAME: 'bob' });
    const before = await jobsOf(s.central);
    expect(before.map((j) => j.task)).toEqual(['build', 'test']);
    // the same hook again, by hand, with the same environment Mercurial gives it
    const again = await execa(TRIGGER_HOOK, [], {
      cwd: s.central,
      env: baseEnv({
        HG_NODE: node,
        HG_NODE_LAST: node,
        HG_SOURCE: 'push',
        HG_URL: `file:${s.work}`,
        HG_TXNID: 'TXN:again',
        HG_HOOKTYPE: 'changegroup',
        LOGNAME: 'bob',
      }),
      extendEnv: false,
      reject: false,
    });
    expect(again.exitCode, again.stderr).toBe(0);
    const rec = await taskgate(s.central, ['reconcile']);
    expect(rec.stdout).toContain('unprocessed pushes: none');
    const after = await jobsOf(s.central);
    expect(ids(after)).toEqual(ids(before));
    expect(after.find((j) => j.task === 'build')!.tokenJti).toBe(before.find((j) => j.task === 'build')!.tokenJti);
  });

  it('store fault: the push lands with one warning, the jobs wait in the outbox, and reconcile adds them exactly once', async () => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
    await expectAccepted(s, { LOGNAME: 'bob' });
    breakStore(s);
    const node = await commit(s.work, { 'src/a.ts': 'b' }, 'second');
    const r = await expectAccepted(s, { LOGNAME: 'bob' });
    const warnings = r.all.split('\n').filter((l) => l.includes('warning: the job store is unavailable'));
    expect(warnings).toEqual([
      'taskgate: warning: the job store is unavailable (ERR_STORE_UNAVAILABLE); 2 jobs wait in the outbox until `taskgate reconcile`',
    ]);
    expect(readdirSync(join(s.central, '.hg', 'taskgate', 'outbox')).filter((n) => n.endsWith('.json'))).toHaveLength(1);
    restoreStore(s);
    const rec = await taskgate(s.central, ['reconcile']);
    expect(rec.exitCode, rec.stderr).toBe(0);
    expect(rec.stdout).toContain('outbox: 1 batch drained');
    const again = await taskgate(s.central, ['reconcile']);
    expect(again.stdout).toContain('outbox: 0 batches drained');
    const jobs = (await jobsOf(s.central)).filter((j) => j.rev === node);
    expect(jobs.map((j) => j.task)).toEqual(['build', 'test']);
    expect(jobs[0]!.actor).toEqual({ sub: 'bob', via: 'local', groups: ['devs'] });
    expect(jobs[0]!.tokenJti).not.toBeNull();
    expect(readdirSync(join(s.central, '.hg', 'taskgate', 'outbox')).filter((n) => n.endsWith('.json'))).toHaveLength(0);
  });

  it('the next hook run drains the outbox', async () => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
    await expectAccepted(s);
    breakStore(s);
    const second = await commit(s.work, { 'src/a.ts': 'b' }, 'second');
    await expectAccepted(s);
    restoreStore(s);
    const third = await commit(s.work, { 'src/a.ts': 'c' }, 'third');
    await expectAccepted(s);
    const jobs = await jobsOf(s.central);
    expect(jobs.filter((j) => j.rev === second).map((j) => j.task)).toEqual(['build', 'test']);
    expect(jobs.filter((j) => j.rev === third).map((j) => j.task)).toEqual(['build', 'test']);
  });

  it('a push the changegroup hook never saw is enqueued by reconcile, with the pusher the gate recorded', async () => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
    await expectAccepted(s, { LOGNAME: 'bob' });
    const hgrc = join(s.central, '.hg', 'hgrc');
    const original = readFileSync(hgrc, 'utf8');
    writeFileSync(
      hgrc,
      original
        .split('\n')
        .filter((l) => !l.startsWith('changegroup.'))
        .join('\n'),
    );
    const missed = await commit(s.work, { 'src/b.ts': 'b' }, 'missed by the trigger');
    await expectAccepted(s, { LOGNAME: 'bob' });
    expect((await jobsOf(s.central)).filter((j) => j.rev === missed)).toEqual([]);
    writeFileSync(hgrc, original);
    const rec = await taskgate(s.central, ['reconcile']);
    expect(rec.stdout).toContain(`unprocessed changesets up to ${missed.slice(0, 12)} (pushed by bob): 2 jobs created`);
    const jobs = (await jobsOf(s.central)).filter((j) => j.rev === missed);
    expect(jobs.map((j) => j.task)).toEqual(['build', 'test']);
    expect(jobs[0]!.actor).toEqual({ sub: 'bob', via: 'local', groups: ['devs'] });
    expect((await taskgate(s.central, ['reconcile'])).stdout).toContain('unprocessed pushes: none');
  });

  it('a strip does not confuse reconcile', async () => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'first');
    await expectAccepted(s);
    await commit(s.work, { 'src/a.ts': 'b' }, 'second');
    await expectAccepted(s);
    await hgOk(s.central, ['--config', 'extensions.strip=', 'strip', '-q', '--no-backup', '-r', 'tip']);
    const rec = await taskgate(s.central, ['reconcile']);
    expect(rec.exitCode, rec.stderr).toBe(0);
    expect(rec.stdout).toContain('unprocessed pushes: none');
  });
});
