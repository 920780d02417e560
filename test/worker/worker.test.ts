// Workers on real jobs: a diamond in order, retries and upstream failure, a killed worker's lease, replayed tokens, tokens PyJWT verifies.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HELPERS, TASKGATE, baseEnv, commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

const running: Array<ResultPromise<{ all: true; reject: false }>> = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

async function withTasks(
  tasks: Record<string, unknown>,
  worker: Record<string, unknown> = { lease: '4s', heartbeat: '1s' },
): Promise<Scenario> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] }, worker }, { trigger: true });
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'a' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  return s;
}

function worker(s: Scenario, name: string, once = true): ResultPromise<{ all: true; reject: false }> {
  const p = execa(TASKGATE, ['worker', '-R', s.central, '--name', name, ...(once ? ['--once'] : [])], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
  running.push(p);
  return p;
}

/** A task that prints its start and end with the time (a sandboxed task writes nothing but its own archive and its log). */
const step = (name: string, extra = '') => `echo "$(date +%s%N) start ${name}"; ${extra} sleep 0.3; echo "$(date +%s%N) end ${name}"`;

/** Every job's first-attempt log, merged in time order, without the times. */
function timeline(central: string, jobs: Array<{ id: string }>): string[] {
  return jobs
    .flatMap((j) => taskLog(central, j.id).trim().split('\n'))
    .filter((l) => l !== '')
    .map((l) => l.split(' '))
    .sort((a, b) => (BigInt(a[0]!) < BigInt(b[0]!) ? -1 : 1))
    .map((f) => f.slice(1).join(' '));
}

function db(s: Scenario) {
  return new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'), { readonly: true });
}

describe('workers', () => {
  it('a diamond runs A, then B and C, then D, with three worker processes, each job once', async () => {
    const s = await withTasks(
      {
        a: { inputs: ['src/**'], run: step('a') },
        b: { requires: ['a'], run: step('b') },
        c: { requires: ['a'], run: step('c') },
        d: { requires: ['b', 'c'], run: step('d', 'test -f src/a.ts &&') },
        // no heartbeat within a job on a busy machine: the token chain below has no renewal in it
      },
      { lease: '60s', heartbeat: '15s' },
    );
    const results = await Promise.all([worker(s, 'w1'), worker(s, 'w2'), worker(s, 'w3')]);
    for (const r of results) expect(r.exitCode, r.all).toBe(0);
    const lines = timeline(s.central, await jobsOf(s.central));
    for (const t of ['a', 'b', 'c', 'd']) expect(lines.filter((l) => l === `start ${t}`)).toHaveLength(1);
    const at = (l: string) => lines.indexOf(l);
    expect(at('end a')).toBeLessThan(at('start b'));
    expect(at('end a')).toBeLessThan(at('start c'));
    expect(at('start d')).toBeGreaterThan(Math.max(at('end b'), at('end c')));
    const jobs = await jobsOf(s.central);
    expect(jobs.map((j) => [j.task, j.status])).toEqual([
      ['a', 'done'],
      ['b', 'done'],
      ['c', 'done'],
      ['d', 'done'],
    ]);
    // each exchange left a chain: queued -> running -> done, and d's queued token names the receipts that released it
    const d = db(s);
    const dJob = jobs.find((j) => j.task === 'd')!;
    const chain = d.prepare('SELECT kind, state, prev FROM tokens WHERE job_id = ? ORDER BY rowid').all(dJob.id) as Array<{
      kind: string;
      state: string;
      prev: string | null;
    }>;
    expect(chain.map((t) => t.kind)).toEqual(['queued', 'running', 'done']);
    expect(chain.map((t) => t.state)).toEqual(['consumed', 'consumed', 'live']);
    d.close();
    const audit = readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8');
    expect(audit.match(/"event":"job\.claimed"/g)).toHaveLength(4);
    expect(audit.match(/"event":"job\.completed"/g)).toHaveLength(4);
  });

  it('a failing task with retries: 1 runs twice, ends failed, and its dependents end upstream_failed', async () => {
    const s = await withTasks({
      a: { inputs: ['src/**'], run: 'echo "run $TASKGATE_ATTEMPT"; exit 3', retries: 1 },
      b: { requires: ['a'], run: 'true' },
      c: { requires: ['b'], run: 'true' },
    });
    const r = await worker(s, 'w1');
    expect(r.exitCode, r.all).toBe(0);
    const jobs = await jobsOf(s.central);
    expect([taskLog(s.central, jobs[0]!.id, 1), taskLog(s.central, jobs[0]!.id, 2)]).toEqual(['run 1\n', 'run 2\n']);
    expect(jobs.map((j) => [j.task, j.status])).toEqual([
      ['a', 'failed'],
      ['b', 'upstream_failed'],
      ['c', 'upstream_failed'],
    ]);
    const shown = await taskgate(s.central, ['jobs', 'show', jobs[0]!.id]);
    expect(shown.stdout).toContain('reason: exit code 3');
    expect(readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8').match(/"event":"job\.failed"/g)).toHaveLength(2);
  });

  it('a worker killed mid-job: after the lease expires the job runs again under a new token, and the dead token is refused', async () => {
    // the first attempt says it started and sleeps; the sandbox ends it with its worker (--die-with-parent)
    const s = await withTasks({
      a: { inputs: ['src/**'], run: 'if [ "$TASKGATE_ATTEMPT" != 1 ]; then exit 0; fi; echo started; exec sleep 29.75' },
    });
    const doomed = worker(s, 'doomed', false);
    let job = (await jobsOf(s.central))[0]!;
    for (let i = 0; i < 100 && !(job.status === 'running' && taskLog(s.central, job.id).includes('started')); i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = (await jobsOf(s.central))[0]!;
    }
    expect(job.status).toBe('running');
    doomed.kill('SIGKILL');
    await doomed;
    // its last token, read once it is dead: each heartbeat (every second) exchanges the one before
    const deadToken = JSON.parse((await taskgate(s.central, ['jobs', 'show', job.id, '--json'])).stdout) as {
      token: string;
      tokenJti: string;
    };
    const rescue = await worker(s, 'rescuer');
    expect(rescue.exitCode, rescue.all).toBe(0);
    const after = (await jobsOf(s.central))[0]!;
    expect(after.status).toBe('done');
    const d = db(s);
    const attempts = d.prepare('SELECT worker, outcome FROM attempts WHERE job_id = ? ORDER BY attempt').all(job.id);
    expect(attempts).toEqual([
      { worker: 'doomed', outcome: 'lease_expired' },
      { worker: 'rescuer', outcome: 'done' },
    ]);
    const dead = d.prepare('SELECT state FROM tokens WHERE jti = ?').get(deadToken.tokenJti) as { state: string };
    d.close();
    expect(dead.state).toBe('dead');
    // the dead worker presents its running token to the exchange service: refused, the token is dead
    const { SqliteStore } = await import('../../src/store/sqlite-store.js');
    const { JobService } = await import('../../src/exchange/job-service.js');
    const { loadConfig } = await import('../../src/config/load-config.js');
    const store = new SqliteStore(join(s.central, '.hg', 'taskgate', 'jobs.db'));
    const service = await JobService.create(loadConfig({ root: s.central }), store);
    await expect(service.heartbeat('doomed', deadToken.token)).rejects.toThrow(`heartbeat of job ${job.id} refused: dead`);
    await expect(service.complete('doomed', deadToken.token)).rejects.toThrow('refused: dead');
    await store.close();
  });

  it('a replayed token is refused and recorded; the job stays refused until an admin retries it', async () => {
    const s = await withTasks({ a: { inputs: ['src/**'], run: 'true' }, b: { requires: ['a'], run: 'true' } });
    const job = (await jobsOf(s.central))[0]!;
    const { SqliteStore } = await import('../../src/store/sqlite-store.js');
    const store = new SqliteStore(join(s.central, '.hg', 'taskgate', 'jobs.db'));
    const now = Math.floor(Date.now() / 1000);
    const running = (jti: string) => ({ jti, token: `running-${jti}`, exp: now + 600, kind: 'running' as const });
    const first = await store.exchange({
      jobId: job.id,
      jti: job.tokenJti!,
      worker: 'honest',
      transition: 'claim',
      now,
      issued: running('r1'),
      leaseSeconds: 60,
    });
    expect(first.ok).toBe(true);
    // the same worker repeating the same claim within 30 s gets the same answer, not a replay
    const retry = await store.exchange({
      jobId: job.id,
      jti: job.tokenJti!,
      worker: 'honest',
      transition: 'claim',
      now: now + 1,
      issued: running('r-unused'),
      leaseSeconds: 60,
    });
    expect(retry).toMatchObject({ ok: true, retry: true, issued: { jti: 'r1' } });
    const replay = await store.exchange({
      jobId: job.id,
      jti: job.tokenJti!,
      worker: 'thief',
      transition: 'claim',
      now: now + 2,
      issued: running('r2'),
      leaseSeconds: 60,
    });
    expect(replay).toMatchObject({ ok: false, reason: 'replay', job: { status: 'failed', reason: 'token_replay' } });
    const honest = await store.exchange({
      jobId: job.id,
      jti: 'r1',
      worker: 'honest',
      transition: 'heartbeat',
      now: now + 3,
      issued: running('r3'),
      leaseSeconds: 60,
    });
    expect(honest).toMatchObject({ ok: false, reason: 'dead' });
    await store.close();
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['failed', 'upstream_failed']);
    const retried = await taskgate(s.central, ['jobs', 'retry', job.id]);
    expect(retried.exitCode, retried.stderr).toBe(0);
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['ready', 'pending']);
    const r = await worker(s, 'w1');
    expect(r.exitCode, r.all).toBe(0);
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['done', 'done']);
  });

  it('running tokens and done receipts verify with PyJWT against the JWKS', async () => {
    const s = await withTasks(
      {
        a: { inputs: ['src/**'], run: 'true' },
        b: { requires: ['a'], run: 'test -n "$TASKGATE_TOKEN" && test -n "$TASKGATE_JOB" && test -n "$TASKGATE_REV"' },
      },
      // no heartbeat within a job on a busy machine (its archive alone can outlast 1 s): one running token per claim
      { lease: '60s', heartbeat: '15s' },
    );
    const r = await worker(s, 'w1');
    expect(r.exitCode, r.all).toBe(0);
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['done', 'done']);
    const jwks = join(s.dir, 'jwks.json');
    writeFileSync(jwks, (await taskgate(s.central, ['keys', 'jwks'])).stdout);
    const d = db(s);
    const answers = (d.prepare('SELECT answer FROM tokens WHERE answer IS NOT NULL ORDER BY rowid').all() as Array<{ answer: string }>)
      .map((a) => JSON.parse(a.answer).issued)
      .filter(Boolean) as Array<{ token: string; kind: string }>;
    d.close();
    expect(answers.map((a) => a.kind).sort()).toEqual(['done', 'done', 'running', 'running']);
    for (const a of answers) {
      const v = await execa(
        '/usr/bin/python3',
        [join(HELPERS, 'verify-pyjwt.py'), jwks, a.token, 'urn:taskgate:acme/app', 'taskgate-workers'],
        { env: baseEnv(), extendEnv: false, reject: false },
      );
      expect(v.exitCode, v.stdout).toBe(0);
      const { header, claims } = JSON.parse(v.stdout);
      expect(header.typ).toBe(`taskgate-${a.kind}+jwt`);
      expect(claims).toMatchObject({ act: { sub: 'w1' }, prev: expect.any(String), scope: a.kind === 'done' ? 'job:done' : 'job:run' });
    }
  });
});
