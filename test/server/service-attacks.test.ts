// `taskgate serve` under the attacks of issue 14 (DESIGN §15), with SQLite and PostgreSQL: readers, bounded waits, assertions, bad input.
import { readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { CLIENT_ASSERTION_TYPE, signClientAssertion } from '../../src/tokens/client-assertion.js';
import { TASKGATE, baseEnv, commit, executable, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { freshDatabase, sql } from '../helpers/postgres.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

/** Each attack of issue 14, replayed against a real `taskgate serve`, with SQLite and with PostgreSQL (DESIGN §15). */

const ISS = 'urn:taskgate:acme/app';
const SECRET_ENV = 'hunter2-env-value';
const running: ResultPromise[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGKILL');
});

interface Service {
  url: string;
  proc: ResultPromise;
}

/** `taskgate serve` on a free port; its stdout names the URL. */
async function serve(repo: string, env: Record<string, string> = {}): Promise<Service> {
  const proc = execa(TASKGATE, ['serve', '-R', repo, '--port', '0'], { env: baseEnv(env), extendEnv: false, reject: false });
  running.push(proc);
  const url = await new Promise<string>((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${seen}`)), 30_000);
    proc.stdout.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = /listening on (http:\/\/\S+)/.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    proc.catch(() => reject(new Error(`serve exited: ${seen}`)));
  });
  return { url, proc };
}

/** Stops a service with SIGTERM; returns how long it took to exit. */
async function stop(service: Service): Promise<number> {
  const start = Date.now();
  service.proc.kill('SIGTERM');
  await service.proc;
  return Date.now() - start;
}

interface Setup {
  s: Scenario;
  jwk: Record<string, unknown>;
  dbUrl: string | null;
}

/** A central repository with one registered worker, a reader who-list, `tasks` tasks queued by one push of bob's. */
async function deploy(backend: 'sqlite' | 'postgres', tasks = 2, server: Record<string, unknown> = {}): Promise<Setup> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const keyFile = join(s.dir, 'w1.jwk');
  const pub = (await taskgate(s.dir, ['keys', 'worker', 'w1', '--out', keyFile])).stdout.trim();
  const dbUrl = backend === 'postgres' ? await freshDatabase() : null;
  const configPath = join(s.central, '.hg', 'taskgate.json');
  writeFileSync(
    configPath,
    JSON.stringify({
      ...JSON.parse(readFileSync(configPath, 'utf8')),
      worker: { keys: { w1: pub }, lease: '30s', heartbeat: '5s' },
      server: { readers: 'proxy', proxy: { trusted: ['127.0.0.1'], allow: ['carol'] }, requestTimeout: '3s', maxWaiters: 20, ...server },
      ...(dbUrl ? { store: { backend: 'postgres', url: dbUrl } } : {}),
    }),
  );
  const defs: Record<string, unknown> = {};
  for (let i = 0; i < tasks; i++) defs[`t${i}`] = { inputs: ['src/**'], run: 'true', env: { SECRET: SECRET_ENV } };
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: defs }), 'src/a.ts': 'a' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  return { s, jwk: JSON.parse(readFileSync(keyFile, 'utf8')), dbUrl };
}

/** The parts of the service's JSON answers these tests read. */
interface Answer {
  claimed: { token: string };
  error: { code: string; message: string };
}

async function post(url: string, path: string, assertion: string, extra: Record<string, unknown> = {}) {
  const r = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...extra, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
  });
  return { status: r.status, body: (await r.json()) as Answer };
}

const assertionFor = (jwk: Record<string, unknown>, url: string, path: string, method = 'POST', now = new Date()) =>
  signClientAssertion('w1', jwk, ISS, { method, url: `${url}${path}` }, now);

async function connections(dbUrl: string): Promise<number> {
  const db = new URL(dbUrl).pathname.slice(1);
  const rows = await sql<{ n: string }>(dbUrl, 'SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1', [db]);
  // less the connection that asks
  return Number(rows[0]!.n) - 1;
}

function noSecrets(text: string, setup: Setup): void {
  expect(text).not.toMatch(/eyJ[\w-]+\.eyJ[\w-]+\.[\w-]+/);
  expect(text).not.toContain(setup.s.dir);
  expect(text).not.toContain(SECRET_ENV);
  if (process.env['PGPASSWORD']) expect(text).not.toContain(process.env['PGPASSWORD']);
  expect(text).not.toMatch(/postgres(ql)?:\/\//);
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`taskgate serve under attack (${backend})`, () => {
    it('reads need a reader from the trusted proxy (401 without, 403 off the who-list); no answer carries a JWT, a server path, an env value or a password', async () => {
      const setup = await deploy(backend);
      const svc = await serve(setup.s.central);
      const worker = await execa(
        TASKGATE,
        ['worker', '--server', svc.url, '--name', 'w1', '--key', join(setup.s.dir, 'w1.jwk'), '-R', setup.s.central, '--once'],
        {
          env: baseEnv(),
          extendEnv: false,
          reject: false,
          all: true,
        },
      );
      expect(worker.exitCode, worker.all).toBe(0);
      const jobs = await jobsOf(setup.s.central);
      const pushId = (await (await fetch(`${svc.url}/v1/pushes`, { headers: { 'x-remote-user': 'carol' } })).json()).pushes[0].id as string;
      const reads = [
        '/v1/jobs',
        '/v1/pushes',
        `/v1/pushes/${pushId}`,
        `/v1/jobs/${jobs[0]!.id}`,
        `/v1/lineage/${pushId}`,
        `/v1/jobs/${jobs[0]!.id}/attempts/1/log`,
      ];
      for (const path of reads) {
        const anon = await fetch(`${svc.url}${path}`);
        expect(anon.status, path).toBe(401);
        expect((await anon.json()).error).toMatchObject({ code: 'ERR_UNAUTHENTICATED', hint: expect.any(String) });
        expect((await fetch(`${svc.url}${path}`, { headers: { 'x-remote-user': 'mallory' } })).status, path).toBe(403);
        const ok = await fetch(`${svc.url}${path}`, { headers: { 'x-remote-user': 'carol' } });
        expect(ok.status, path).toBe(200);
        noSecrets(await ok.text(), setup);
      }
      // the lineage names the log by job and attempt; the attempt's log is served by that name
      const lineage = await (await fetch(`${svc.url}/v1/lineage/${jobs[0]!.id}`, { headers: { 'x-remote-user': 'carol' } })).json();
      expect(lineage.lineage[0].attempts[0].log).toBe(`/v1/jobs/${jobs[0]!.id}/attempts/1/log`);
      expect(lineage.lineage[0].job.id).toBe(jobs[0]!.id);
      // anyone: the well-known documents, the policy, the health check
      for (const path of ['/.well-known/jwks.json', '/.well-known/openid-configuration', '/v1/policy', '/healthz'])
        expect((await fetch(`${svc.url}${path}`)).status, path).toBe(200);
      // errors carry code and hint, and nothing of the server
      for (const path of ['/v1/jobs/nope', '/v1/lineage/nope', '/v1/nothing']) {
        const r = await fetch(`${svc.url}${path}`, { headers: { 'x-remote-user': 'carol' } });
        expect(r.status).toBe(404);
        const text = await r.text();
        expect(JSON.parse(text).error).toMatchObject({ code: expect.stringMatching(/^ERR_/), hint: expect.any(String) });
        noSecrets(text, setup);
      }
      expect(await stop(svc)).toBeLessThan(5000);
    });

    it('200 concurrent unauthenticated waits add no database connection; authenticated ones are capped; serve stops within 5 s of SIGTERM', async () => {
      const setup = await deploy(backend);
      const svc = await serve(setup.s.central);
      const before = setup.dbUrl ? await connections(setup.dbUrl) : 0;
      const anon = await Promise.all(Array.from({ length: 200 }, () => fetch(`${svc.url}/v1/wait?ms=20000`).then((r) => r.status)));
      expect(new Set(anon)).toEqual(new Set([401]));
      if (setup.dbUrl) expect(await connections(setup.dbUrl)).toBeLessThanOrEqual(before);
      // 30 honest waits, over the cap of 20: the cap answers 503, the rest wait on one LISTEN connection
      const pending = Array.from({ length: 30 }, async () => {
        const headers = { 'taskgate-client-assertion': await assertionFor(setup.jwk, svc.url, '/v1/wait', 'GET') };
        return fetch(`${svc.url}/v1/wait?ms=20000`, { headers })
          .then((r) => r.status)
          .catch(() => 0);
      });
      await new Promise((r) => setTimeout(r, 1500));
      if (setup.dbUrl) {
        // the pool (4) and ONE listening connection, whatever the number of waiters
        expect(await connections(setup.dbUrl)).toBeLessThanOrEqual(5);
        const db = new URL(setup.dbUrl).pathname.slice(1);
        const listening = await sql<{ n: string }>(
          setup.dbUrl,
          "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = $1 AND query LIKE 'LISTEN%'",
          [db],
        );
        expect(Number(listening[0]!.n)).toBe(1);
      }
      expect(await stop(svc)).toBeLessThan(5000);
      const statuses = await Promise.all(pending);
      expect(statuses.filter((x) => x === 503).length).toBeGreaterThanOrEqual(10);
    });

    it('a replayed assertion after a restart, a future-dated one, and one lifted from another route are refused', async () => {
      const setup = await deploy(backend);
      let svc = await serve(setup.s.central);
      const claim = await assertionFor(setup.jwk, svc.url, '/v1/claim');
      const first = await post(svc.url, '/v1/claim', claim);
      expect(first.status).toBe(200);
      const token = first.body['claimed'].token;
      expect(await stop(svc)).toBeLessThan(5000);
      svc = await serve(setup.s.central);
      // the same assertion, after the restart, on the port the new service took (the path is what binds)
      const replay = await post(svc.url, '/v1/claim', claim);
      expect(replay.status).toBe(401);
      expect(replay.body['error']).toMatchObject({ code: 'ERR_TOKEN_INVALID', message: expect.stringContaining('already used') });
      const ahead = await assertionFor(setup.jwk, svc.url, '/v1/claim', 'POST', new Date(Date.now() + 365 * 86_400_000));
      const future = await post(svc.url, '/v1/claim', ahead);
      expect(future.status).toBe(401);
      // an assertion made for a heartbeat, presented to complete the job
      const lifted = await assertionFor(setup.jwk, svc.url, '/v1/heartbeat');
      const moved = await post(svc.url, '/v1/complete', lifted, { token, outcome: { exitCode: 0 } });
      expect(moved.status).toBe(401);
      expect(moved.body['error'].message).toContain('another request');
      // nothing of it reached the job: still running, and the honest heartbeat goes through with that very assertion
      expect((await jobsOf(setup.s.central)).filter((j) => j.status === 'running')).toHaveLength(1);
      expect((await post(svc.url, '/v1/heartbeat', lifted, { token })).status).toBe(200);
      await stop(svc);
    });

    it('a body sent a byte a second is cut within the request timeout', async () => {
      const setup = await deploy(backend);
      const svc = await serve(setup.s.central);
      const { hostname, port } = new URL(svc.url);
      const elapsed = await new Promise<number>((resolve) => {
        const start = Date.now();
        const socket = connect(Number(port), hostname, () => {
          socket.write(`POST /v1/claim HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{`);
          const drip = setInterval(() => socket.write(' '), 1000);
          socket.on('close', () => (clearInterval(drip), resolve(Date.now() - start)));
          socket.on('error', () => undefined);
          setTimeout(() => socket.destroy(), 15_000);
        });
      });
      // requestTimeout is 3 s and Node checks every second; the slack is for a loaded machine (Node's own default is 300 s,
      // and the drip would need 1,000 s to finish the body)
      expect(elapsed).toBeGreaterThanOrEqual(2900);
      expect(elapsed).toBeLessThan(10_000);
      await stop(svc);
    });

    it('bad input to every route gets a 4xx with a code and a hint, never a 500', async () => {
      const setup = await deploy(backend);
      const svc = await serve(setup.s.central);
      const job = (await jobsOf(setup.s.central))[0]!.id;
      const json = { 'content-type': 'application/json' };
      const reader = { 'x-remote-user': 'carol' };
      const assertion = await assertionFor(setup.jwk, svc.url, '/v1/claim');
      const base = { client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion };
      const cases: Array<[string, string, Record<string, string>, string | undefined]> = [
        ['POST', '/v1/claim', json, 'not json'],
        ['POST', '/v1/claim', { 'content-type': 'text/plain' }, 'x'],
        ['POST', '/v1/claim', json, '{}'],
        ['POST', '/v1/claim', json, '[]'],
        ['POST', '/v1/claim', json, JSON.stringify({ ...base, client_assertion: 12 })],
        ['POST', '/v1/claim', json, JSON.stringify({ ...base, extra: 1 })],
        [
          'POST',
          '/v1/claim',
          json,
          `{"__proto__": {"admin": true}, "client_assertion_type": "${CLIENT_ASSERTION_TYPE}", "client_assertion": "${assertion}"}`,
        ],
        ['POST', '/v1/complete', json, JSON.stringify({ ...base, token: 'x', outcome: { exitCode: 1e308 } })],
        ['POST', '/v1/fail', json, JSON.stringify({ ...base, token: ['x'] })],
        ['POST', '/v1/heartbeat', json, JSON.stringify({ ...base, token: 'a'.repeat(100_000) })],
        ['POST', '/v1/heartbeat', json, JSON.stringify({ ...base, token: 'not.a.jwt' })],
        ['GET', '/v1/wait?ms=1e30', {}, undefined],
        ['GET', '/v1/wait?ms=abc', {}, undefined],
        ['GET', '/v1/jobs?limit=100000', reader, undefined],
        ['GET', '/v1/jobs?limit=-1', reader, undefined],
        ['GET', '/v1/jobs?cursor=garbage', reader, undefined],
        ['GET', '/v1/jobs?status=nope', reader, undefined],
        ['GET', '/v1/jobs?__proto__=1', reader, undefined],
        ['GET', '/v1/pushes?limit=1e99', reader, undefined],
        ['GET', `/v1/jobs/${'x'.repeat(300)}`, reader, undefined],
        ['GET', `/v1/jobs/${job}/attempts/1e99/log`, reader, undefined],
        ['GET', `/v1/jobs/${job}/attempts/..%2F..%2Fkeys.json/log`, reader, undefined],
        ['GET', '/v1/lineage/%00', reader, undefined],
        ['GET', '/v1/lineage/..%2F..', reader, undefined],
      ];
      for (const [method, path, headers, body] of cases) {
        const r = await fetch(`${svc.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
        const text = await r.text();
        expect(r.status, `${method} ${path} ${body?.slice(0, 80)}: ${text}`).toBeGreaterThanOrEqual(400);
        expect(r.status, `${method} ${path}: ${text}`).toBeLessThan(500);
        expect(JSON.parse(text).error, `${method} ${path}`).toMatchObject({
          code: expect.stringMatching(/^ERR_/),
          hint: expect.any(String),
        });
        noSecrets(text, setup);
      }
      await stop(svc);
    });

    it('the lineage of a 100-job push runs one hg process', async () => {
      const setup = await deploy(backend, 100);
      const calls = join(setup.s.dir, 'hg-calls.log');
      const wrapper = executable(join(setup.s.dir, 'hg-counting'), `#!/bin/sh\necho "$*" >> ${calls}\nexec hg "$@"\n`);
      const svc = await serve(setup.s.central, { TASKGATE_HG: wrapper });
      const pushId = (await (await fetch(`${svc.url}/v1/pushes`, { headers: { 'x-remote-user': 'carol' } })).json()).pushes[0].id as string;
      const r = await fetch(`${svc.url}/v1/lineage/${pushId}`, { headers: { 'x-remote-user': 'carol' } });
      expect(r.status).toBe(200);
      const body = (await r.json()) as { lineage: Array<{ changesets: unknown[] }> };
      expect(body.lineage).toHaveLength(100);
      expect(body.lineage.every((l) => l.changesets.length === 1)).toBe(true);
      expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);
      await stop(svc);
    });
  });
}

describe('two services on one PostgreSQL', () => {
  it('share the used assertions: one used on the first is refused by the second', async () => {
    const setup = await deploy('postgres');
    const a = await serve(setup.s.central);
    const b = await serve(setup.s.central);
    const claim = await assertionFor(setup.jwk, a.url, '/v1/claim');
    expect((await post(a.url, '/v1/claim', claim)).status).toBe(200);
    const other = await post(b.url, '/v1/claim', claim);
    expect(other.status).toBe(401);
    expect(other.body['error'].message).toContain('already used');
    await Promise.all([stop(a), stop(b)]);
  });
});
