// Faults: a SIGKILL at each step of the trigger or a worker, a full disk, a damaged store; reconcile ends with every job exactly once.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, centralLog, commit, jobsOf, push, taskLog, taskgate } from './helpers/hg-fixture.js';
import { scenario, type Scenario } from './helpers/scenario.js';

/**
 * Crashes at every step that matters (TASKGATE_TEST_KILL_AT makes the process SIGKILL itself
 * there), then `reconcile`: every job exactly once, whatever moment the crash picked.
 */

const TASKS = {
  version: 1,
  tasks: {
    build: { inputs: ['src/**'], run: 'true' },
    test: { requires: ['build'], run: 'true' },
    docs: { inputs: ['docs/**'], run: 'true' },
  },
};

async function withTrigger(config: Record<string, unknown> = {}): Promise<Scenario> {
  return scenario(
    { repo: { id: 'acme/app' }, policy: { rules: [] }, worker: { lease: '2s', heartbeat: '1s' }, ...config },
    { trigger: true },
  );
}

async function exactlyOnce(s: Scenario, heads: number, dbPath = join(s.central, '.hg', 'taskgate', 'jobs.db')): Promise<void> {
  const r = await taskgate(s.central, ['reconcile']);
  expect(r.exitCode, r.stderr).toBe(0);
  const again = await taskgate(s.central, ['reconcile', '--json']);
  expect(JSON.parse(again.stdout)).toMatchObject({ drained: 0, created: [] });
  const jobs = await jobsOf(s.central);
  expect(new Set(jobs.map((j) => j.id)).size).toBe(jobs.length);
  expect(new Set(jobs.map((j) => j.rev)).size).toBe(heads);
  const db = new Database(dbPath);
  try {
    const n = (db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
    expect(n).toBe(jobs.length);
    // each ready job has exactly one live queued token
    const tokens = db
      .prepare("SELECT job_id, count(*) AS n FROM tokens WHERE kind = 'queued' AND state = 'live' GROUP BY job_id")
      .all() as Array<{ n: number }>;
    expect(tokens.every((t) => t.n === 1)).toBe(true);
  } finally {
    db.close();
  }
}

describe('SIGKILL of the changegroup hook at each step: reconcile ends with every job exactly once', () => {
  it.each(['trigger:planned', 'store:enqueue'])('killed at %s', async (point) => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a' }, 'first');
    const first = await push(s.work, s.central, { TASKGATE_TEST_KILL_AT: point });
    // the push itself landed: the changegroup hook runs after the transaction
    expect(first.exitCode, first.all).toBe(0);
    expect(first.all).toMatch(/changegroup\.taskgate hook (was killed|exited with status|killed by signal)/i);
    expect(await jobsOf(s.central)).toEqual([]);
    // doctor sees the push no hook finished, and reconcile queues it
    expect((await taskgate(s.central, ['doctor', s.central])).stdout).toMatch(
      /^warn +unprocessed pushes: 1 changesets no processed push covers/m,
    );
    await exactlyOnce(s, 1);
    expect((await jobsOf(s.central)).map((j) => j.task).sort()).toEqual(['build', 'docs', 'test']);
    // and the next push is the hook's again
    await commit(s.work, { 'src/a.ts': 'b' }, 'second, with the hook healthy again');
    expect((await push(s.work, s.central)).exitCode).toBe(0);
    await exactlyOnce(s, 2);
  });

  it('killed, and the next push lands before any reconcile: that push queues the earlier one too, and nothing is doubled', async () => {
    const s = await withTrigger();
    const first = await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'docs/a.md': 'a' }, 'first');
    expect((await push(s.work, s.central, { TASKGATE_TEST_KILL_AT: 'trigger:planned' })).exitCode).toBe(0);
    const second = await commit(s.work, { 'src/a.ts': 'b' }, 'second');
    const r = await push(s.work, s.central);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('3 jobs of an earlier push whose hook did not finish were queued too');
    const jobs = await jobsOf(s.central);
    expect(
      jobs
        .filter((j) => j.rev === first)
        .map((j) => j.task)
        .sort(),
    ).toEqual(['build', 'docs', 'test']);
    expect(
      jobs
        .filter((j) => j.rev === second)
        .map((j) => j.task)
        .sort(),
    ).toEqual(['build', 'test']);
    // the earlier push is recorded with its own pusher and transaction, from the gate's record
    expect(jobs.find((j) => j.rev === first)!.push.id).toMatch(/^TXN:/);
    await exactlyOnce(s, 2);
  });

  it('killed right after writing the outbox (the store unavailable)', async () => {
    // the store's folder is a file: it cannot be opened, so the batch goes to the outbox
    const s = await withTrigger({ store: { backend: 'sqlite', path: '.hg/taskgate/blocked/jobs.db' } });
    writeFileSync(join(s.central, '.hg', 'taskgate', 'blocked'), 'not a folder');
    await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a' }, 'first');
    const r = await push(s.work, s.central, { TASKGATE_TEST_KILL_AT: 'trigger:outbox-written' });
    expect(r.exitCode, r.all).toBe(0);
    expect(readdirSync(join(s.central, '.hg', 'taskgate', 'outbox')).filter((f) => f.endsWith('.json'))).toHaveLength(1);
    rmSync(join(s.central, '.hg', 'taskgate', 'blocked'));
    const reconciled = await taskgate(s.central, ['reconcile', '--json']);
    expect(reconciled.exitCode, reconciled.stderr).toBe(0);
    expect(JSON.parse(reconciled.stdout)).toMatchObject({ drained: 1 });
    const jobs = await jobsOf(s.central);
    expect(jobs.map((j) => j.task).sort()).toEqual(['build', 'docs', 'test']);
    await exactlyOnce(s, 1, join(s.central, '.hg', 'taskgate', 'blocked', 'jobs.db'));
  });
});

describe('SIGKILL of a worker during completion', () => {
  it('the completion is not half-written: the job runs again after its lease, and completes once', async () => {
    const s = await withTrigger();
    await commit(
      s.work,
      {
        'tasks.json': JSON.stringify({
          version: 1,
          tasks: { build: { inputs: ['src/**'], run: 'echo run' }, test: { requires: ['build'], run: 'true' } },
        }),
        'src/a.ts': 'a',
      },
      'first',
    );
    expect((await push(s.work, s.central)).exitCode).toBe(0);
    const killed = await execa(TASKGATE, ['worker', '-R', s.central, '--once'], {
      env: baseEnv({ TASKGATE_TEST_KILL_AT: 'store:complete' }),
      extendEnv: false,
      reject: false,
    });
    expect(killed.signal).toBe('SIGKILL');
    // nothing of the completion was kept: build still runs under the dead worker's lease, test waits
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['running', 'pending']);
    await new Promise((r) => setTimeout(r, 3500));
    const w = await taskgate(s.central, ['worker', '--once']);
    expect(w.exitCode, w.stderr).toBe(0);
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['done', 'done']);
    const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'), { readonly: true });
    try {
      const build = (await jobsOf(s.central))[0]!;
      expect((db.prepare("SELECT count(*) AS n FROM tokens WHERE job_id = ? AND kind = 'done'").get(build.id) as { n: number }).n).toBe(1);
      expect(db.prepare('SELECT attempt, outcome FROM attempts WHERE job_id = ? ORDER BY attempt').all(build.id)).toEqual([
        { attempt: 1, outcome: 'lease_expired' },
        { attempt: 2, outcome: 'done' },
      ]);
    } finally {
      db.close();
    }
    // the task itself ran twice (at least once is what a crash allows); the job completed once
    const build = (await jobsOf(s.central))[0]!;
    expect([taskLog(s.central, build.id, 1), taskLog(s.central, build.id, 2)]).toEqual(['run\n', 'run\n']);
  }, 30_000);
});

describe('a full disk and a damaged store', () => {
  it('a full disk for the audit log: the gate fails closed with a clear error, and nothing is added', async () => {
    const s = await withTrigger();
    const full = join(s.dir, 'full');
    mkdirSync(full);
    // a 64 kB file system, filled: the audit log cannot grow by a byte
    await execa('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', full]);
    try {
      await execa('sh', ['-c', `dd if=/dev/zero of=${join(full, 'fill')} bs=1k count=100 2>/dev/null || true`]);
      const configPath = join(s.central, '.hg', 'taskgate.json');
      writeFileSync(
        configPath,
        JSON.stringify({ ...JSON.parse(readFileSync(configPath, 'utf8')), audit: { path: join(full, 'audit.jsonl') } }),
      );
      await commit(s.work, { 'src/a.ts': 'a' }, 'cannot be audited');
      const before = await centralLog(s.central);
      const r = await push(s.work, s.central);
      expect(r.exitCode).not.toBe(0);
      expect(r.all).toMatch(/error\[ERR_AUDIT_(WRITE|LOCK)\]: cannot (append to the audit log|create lock) .*ENOSPC/);
      expect(r.all).toMatch(/hint: (the disk is full|check the disk space)/);
      expect(r.all).toContain('taskgate: nothing was added');
      expect(await centralLog(s.central)).toBe(before);
      // no empty lock left behind for the next push to wait on (the lock file fits, its pid does not)
      expect(existsSync(join(full, 'audit.jsonl.lock'))).toBe(false);
    } finally {
      // the disk lets go: no process (a hook server among them) still holds a file on it
      expect((await execa('umount', [full], { reject: false })).exitCode).toBe(0);
    }
  });

  it('a damaged SQLite store: a clear error, doctor says how to recover, pushes keep landing, and reconcile rebuilds the jobs', async () => {
    const s = await withTrigger();
    await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a' }, 'first');
    expect((await push(s.work, s.central)).exitCode).toBe(0);
    const db = join(s.central, '.hg', 'taskgate', 'jobs.db');
    for (const f of [db, `${db}-wal`, `${db}-shm`]) rmSync(f, { force: true });
    writeFileSync(db, Buffer.alloc(8192, 0x41));
    const list = await taskgate(s.central, ['jobs', 'list']);
    expect(list.exitCode).toBe(3);
    expect(list.stderr).toContain('error[ERR_STORE_CORRUPT]: the job store');
    expect(list.stderr).toContain('is damaged');
    const doctor = await taskgate(s.central, ['doctor', s.central]);
    expect(doctor.exitCode).toBe(1);
    expect(doctor.stdout).toMatch(/^fail +store: the job store .* is damaged/m);
    expect(doctor.stdout).toContain('hint: move it aside and run `taskgate reconcile`');
    await commit(s.work, { 'src/a.ts': 'b' }, 'second, while the store is damaged');
    const second = await push(s.work, s.central);
    expect(second.exitCode).toBe(0);
    expect(second.all).toContain('ERR_STORE_CORRUPT');
    // what the hint says: move it aside, reconcile: the push that waited in the outbox is
    // back, once (the jobs that lived only in the damaged file come back from a backup)
    renameSync(db, `${db}.damaged`);
    await exactlyOnce(s, 1);
    expect((await jobsOf(s.central)).map((j) => [j.task, j.status])).toEqual([
      ['build', 'ready'],
      ['test', 'pending'],
    ]);
  });
});
