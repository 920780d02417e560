// `taskgate serve` and remote workers: the JWKS, registered worker keys, replays through the service, and workers waiting out its absence.
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HELPERS, TASKGATE, baseEnv, commit, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

const serve = (s: Scenario) => taskgateServe(s.central);

/** A central repository whose config registers one worker key; returns the key file of that worker. */
async function withRemoteWorker(runA = 'true'): Promise<{ s: Scenario; key: string }> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const key = join(s.dir, 'w-remote.jwk');
  const pub = (await taskgate(s.dir, ['keys', 'worker', 'w-remote', '--out', key])).stdout.trim();
  const configPath = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, worker: { keys: { 'w-remote': pub }, lease: '10s', heartbeat: '1s' } }));
  await commit(
    s.work,
    {
      'tasks.json': JSON.stringify({
        version: 1,
        tasks: { a: { inputs: ['src/**'], run: runA }, b: { requires: ['a'], run: 'test -n "$TASKGATE_TOKEN"' } },
      }),
      'src/a.ts': 'a',
    },
    'tasks',
  );
  await expectAccepted(s, { LOGNAME: 'bob' });
  return { s, key };
}

function remote(s: Scenario, url: string, name: string, key: string) {
  return execa(TASKGATE, ['worker', '--server', url, '--name', name, '--key', key, '-R', s.central, '--once'], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

describe('taskgate serve and remote workers', () => {
  it('publishes the JWKS and OpenID configuration; a remote worker with a registered key completes the jobs; PyJWT verifies its tokens', async () => {
    const { s, key } = await withRemoteWorker();
    const url = await serve(s);
    const oidc = (await (await fetch(`${url}/.well-known/openid-configuration`)).json()) as { issuer: string; jwks_uri: string };
    expect(oidc).toMatchObject({ issuer: 'urn:taskgate:acme/app', jwks_uri: `${url}/.well-known/jwks.json` });
    const r = await remote(s, url, 'w-remote', key);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('taskgate worker: 2 jobs run');
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['done', 'done']);
    const jwks = join(s.dir, 'service-jwks.json');
    writeFileSync(jwks, await (await fetch(oidc.jwks_uri)).text());
    const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'), { readonly: true });
    const issued = (db.prepare('SELECT answer FROM tokens WHERE answer IS NOT NULL').all() as Array<{ answer: string }>)
      .map((a) => JSON.parse(a.answer).issued)
      .filter(Boolean);
    db.close();
    expect(issued.length).toBeGreaterThanOrEqual(4);
    for (const t of issued as Array<{ token: string; kind: string }>) {
      const v = await execa(
        '/usr/bin/python3',
        [join(HELPERS, 'verify-pyjwt.py'), jwks, t.token, 'urn:taskgate:acme/app', 'taskgate-workers'],
        { env: baseEnv(), extendEnv: false, reject: false },
      );
      expect(v.exitCode, v.stdout).toBe(0);
      expect(JSON.parse(v.stdout).claims.act).toEqual({ sub: 'w-remote' });
    }
    // the read APIs never hand out tokens
    const job = (await (await fetch(`${url}/v1/jobs`)).json()) as { jobs: Array<Record<string, unknown>> };
    expect(job.jobs).toHaveLength(2);
    expect(job.jobs.every((j) => !('token' in j))).toBe(true);
    // a page is ordered by (created_at, id): find task a by name
    const a = job.jobs.find((j) => j['task'] === 'a')!;
    const lineage = (await (await fetch(`${url}/v1/lineage/${String(a['id'])}`)).json()) as { lineage: Array<{ reasons: unknown[] }> };
    expect(lineage.lineage[0]!.reasons).toContainEqual({ kind: 'file', file: 'src/a.ts', glob: 'src/**' });
  });

  it('refuses a worker whose key is not registered, and a forged assertion', async () => {
    const { s } = await withRemoteWorker();
    const url = await serve(s);
    const other = join(s.dir, 'intruder.jwk');
    await taskgate(s.dir, ['keys', 'worker', 'intruder', '--out', other]);
    const unregistered = await remote(s, url, 'intruder', other);
    expect(unregistered.exitCode).not.toBe(0);
    expect(unregistered.all).toContain('worker "intruder" has no key registered');
    // the registered name, but signed with another key
    const forged = await remote(s, url, 'w-remote', other);
    expect(forged.exitCode).not.toBe(0);
    expect(forged.all).toContain('the client assertion of w-remote is refused: signature verification failed');
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['ready', 'pending']);
    // and without any assertion at all
    const bare = await fetch(`${url}/v1/claim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(bare.status).toBe(400);
  });
});

describe('the exchange through the service', () => {
  it('a running token presented again is a replay: refused, recorded, the job failed, and the honest token dead until an admin retries', async () => {
    const { s, key } = await withRemoteWorker();
    const url = await serve(s);
    const { signClientAssertion, CLIENT_ASSERTION_TYPE } = await import('../../src/tokens/client-assertion.js');
    const jwk = JSON.parse(readFileSync(key, 'utf8'));
    interface Answer {
      claimed: { token: string; job: { id: string } };
      token: string;
      error: { message: string };
    }
    const call = async (path: string, body: Record<string, unknown>) => {
      const assertion = await signClientAssertion('w-remote', jwk, 'urn:taskgate:acme/app', { method: 'POST', url: `${url}${path}` });
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
      });
      return { status: r.status, body: (await r.json()) as Answer };
    };
    const claimed = await call('/v1/claim', {});
    expect(claimed.status).toBe(200);
    const t1 = claimed.body.claimed.token;
    const jobId = claimed.body.claimed.job.id;
    const beat = await call('/v1/heartbeat', { token: t1 });
    expect(beat.status).toBe(200);
    const t2 = beat.body.token;
    // t1 again, for another transition: a replay
    const replay = await call('/v1/complete', { token: t1, outcome: { exitCode: 0 } });
    expect(replay.status).toBe(401);
    expect(replay.body.error.message).toContain(`complete of job ${jobId} refused: replay`);
    expect(readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')).toContain('"event":"token.replay"');
    const honest = await call('/v1/complete', { token: t2, outcome: { exitCode: 0 } });
    expect(honest.status).toBe(401);
    expect(honest.body.error.message).toContain('refused: dead');
    expect((await jobsOf(s.central)).map((j) => [j.status])).toEqual([['failed'], ['upstream_failed']]);
    expect((await taskgate(s.central, ['jobs', 'show', jobId])).stdout).toContain('reason: token_replay');
    expect((await taskgate(s.central, ['jobs', 'retry', jobId])).exitCode).toBe(0);
    const again = await remote(s, url, 'w-remote', key);
    expect(again.exitCode, again.all).toBe(0);
    expect(
      (await jobsOf(s.central)).map((j) => j.status),
      again.all,
    ).toEqual(['done', 'done']);
  });
});

/** A port of 127.0.0.1 nothing listens on now. */
async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((done) => srv.listen(0, '127.0.0.1', done));
  const { port } = srv.address() as { port: number };
  await new Promise((done) => srv.close(done));
  return port;
}

/** `taskgate serve` on a given port, as a process the test stops and starts itself. */
async function serveOn(s: Scenario, port: number): Promise<{ proc: ResultPromise }> {
  const proc = execa(TASKGATE, ['serve', '-R', s.central, '--port', String(port)], { env: baseEnv(), extendEnv: false, reject: false });
  await waitFor(proc, 'stdout', 'listening on');
  // wrapped: an async function would otherwise wait for the process itself to end
  return { proc };
}

/** Resolves once the process printed `text` on `stream`; fails the test after 60 s. */
function waitFor(proc: ResultPromise, stream: 'stdout' | 'stderr', text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" in: ${seen}`)), 60_000);
    proc[stream]!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

describe('a remote worker and the service', () => {
  it('waits while the service is away (not started, then stopped mid-job) and carries on when it is back', async () => {
    const { s, key } = await withRemoteWorker('sleep 3');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    // the service is not there yet: the worker neither exits nor claims
    const worker = remote(s, url, 'w-remote', key);
    await waitFor(worker, 'stderr', `taskgate serve at ${url} is away`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(worker.exitCode).toBeNull();
    let service = (await serveOn(s, port)).proc;
    await waitFor(worker, 'stderr', 'runs a');
    // the service dies while the task runs: heartbeats and the completion wait for it
    service.kill('SIGKILL');
    await service;
    await new Promise((r) => setTimeout(r, 4000));
    expect(worker.exitCode).toBeNull();
    service = (await serveOn(s, port)).proc;
    const r = await worker;
    service.kill('SIGTERM');
    await service;
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain('taskgate worker: 2 jobs run');
    expect(r.stderr).toContain(`taskgate serve at ${url} is back`);
    expect(r.all).not.toContain('ERR_INTERNAL');
    expect((await jobsOf(s.central)).map((j) => j.status)).toEqual(['done', 'done']);
  });

  it("keeps the service's error code and hint", async () => {
    const { s, key } = await withRemoteWorker();
    const url = await serve(s);
    const { HttpBackend } = await import('../../src/worker/http-backend.js');
    const backend = new HttpBackend(url, JSON.parse(readFileSync(key, 'utf8')));
    const claimed = await backend.claim('w-remote');
    expect(claimed?.job.task).toBe('a');
    // the job's row is gone from the store: the service answers ERR_JOB_NOT_FOUND, not a refused token
    const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'));
    db.prepare('DELETE FROM jobs WHERE id = ?').run(claimed!.job.id);
    db.close();
    const error = await backend.complete('w-remote', claimed!.token, { exitCode: 0 }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'ERR_JOB_NOT_FOUND', hint: 'claim another job' });
    // and a refused token stays a refused token, with the service's hint
    const refused = await backend.heartbeat('w-remote', 'not-a-token').catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ERR_TOKEN_INVALID' });
  });
});
