import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HELPERS, TASKGATE, baseEnv, commit, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

const serve = (s: Scenario) => taskgateServe(s.central);

/** A central repository whose config registers one worker key; returns the key file of that worker. */
async function withRemoteWorker(): Promise<{ s: Scenario; key: string }> {
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
        tasks: { a: { inputs: ['src/**'], run: 'true' }, b: { requires: ['a'], run: 'test -n "$TASKGATE_TOKEN"' } },
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
    const lineage = (await (await fetch(`${url}/v1/lineage/${job.jobs[0]!['id']}`)).json()) as { lineage: Array<{ reasons: unknown[] }> };
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
    const call = async (path: string, body: Record<string, unknown>) => {
      const assertion = await signClientAssertion('w-remote', jwk, 'urn:taskgate:acme/app', { method: 'POST', url: `${url}${path}` });
      const r = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
      });
      return { status: r.status, body: (await r.json()) as Record<string, any> };
    };
    const claimed = await call('/v1/claim', {});
    expect(claimed.status).toBe(200);
    const t1 = claimed.body['claimed'].token as string;
    const jobId = claimed.body['claimed'].job.id as string;
    const beat = await call('/v1/heartbeat', { token: t1 });
    expect(beat.status).toBe(200);
    const t2 = beat.body['token'] as string;
    // t1 again, for another transition: a replay
    const replay = await call('/v1/complete', { token: t1, outcome: { exitCode: 0 } });
    expect(replay.status).toBe(401);
    expect(replay.body['error'].message).toContain(`complete of job ${jobId} refused: replay`);
    expect(readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')).toContain('"event":"token.replay"');
    const honest = await call('/v1/complete', { token: t2, outcome: { exitCode: 0 } });
    expect(honest.status).toBe(401);
    expect(honest.body['error'].message).toContain('refused: dead');
    expect((await jobsOf(s.central)).map((j) => [j.status])).toEqual([['failed'], ['upstream_failed']]);
    expect((await taskgate(s.central, ['jobs', 'show', jobId])).stdout).toContain('reason: token_replay');
    expect((await taskgate(s.central, ['jobs', 'retry', jobId])).exitCode).toBe(0);
    const again = await remote(s, url, 'w-remote', key);
    expect(again.exitCode, again.all).toBe(0);
    expect((await jobsOf(s.central)).map((j) => j.status), again.all).toEqual(['done', 'done']);
  });
});
