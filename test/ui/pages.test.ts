// The web UI's pages and read APIs: readers on loopback only (DESIGN §15), bad input as 404 or 400, paging, /v1/events, and `taskgate graph`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/load-config.js';
import { createServer } from '../../src/server/create-server.js';
import { openStore } from '../../src/store/open-store.js';
import type { JobStore } from '../../src/store/store-types.js';
import { pageNotFound, uiRoutes } from '../../src/ui/ui-routes.js';
import { TASKGATE, baseEnv, commit, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

const TASKS = {
  version: 1,
  tasks: {
    // each task outlasts the service's 400 ms poll, so an open stream sees it running
    build: { inputs: ['src/**'], run: 'sleep 1; echo built' },
    test: { requires: ['build'], inputs: ['test/**'], run: 'sleep 1; echo tested' },
    package: { requires: ['build', 'test'], run: 'sleep 1; echo packaged' },
    docs: { inputs: ['docs/**'], run: 'sleep 1; echo documented' },
  },
};

async function pushed(trigger = true): Promise<Scenario> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger });
  await commit(s.work, { 'tasks.json': JSON.stringify(TASKS), 'src/a.ts': 'a', 'test/a.test.ts': 't' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  return s;
}

const open: Array<{ app: FastifyInstance; store: JobStore }> = [];
afterAll(async () => {
  for (const o of open) {
    await o.app.close();
    await o.store.close();
  }
});

/** taskgate serve's app, in process, over the repository's real store. */
async function app(s: Scenario): Promise<FastifyInstance> {
  const config = loadConfig({ root: s.central, env: {} });
  const store = await openStore(config);
  const pages = uiRoutes({ config, store, root: s.central });
  const server = await createServer({
    config,
    store,
    root: s.central,
    host: '127.0.0.1',
    baseUrl: () => 'http://127.0.0.1',
    pages,
    pageNotFound,
  });
  open.push({ app: server, store });
  return server;
}

describe('readers (DESIGN §15, loopback mode)', () => {
  it('a request from an address other than loopback gets 401 and no data, on every page, log and the event stream', async () => {
    const s = await pushed();
    const server = await app(s);
    const job = (await jobsOf(s.central))[0]!;
    for (const url of [
      '/',
      `/pushes/${encodeURIComponent(job.push.id)}`,
      `/jobs/${job.id}`,
      `/jobs/${job.id}/log`,
      '/tasks/build',
      '/workers',
      '/audit',
      '/v1/events',
      '/assets/live.js',
    ]) {
      const remote = await server.inject({ url, remoteAddress: '192.0.2.7' });
      expect(remote.statusCode, url).toBe(401);
      expect(remote.body).not.toContain(job.id);
      expect(remote.body).not.toContain('build');
      expect(remote.body).toContain('ERR_UNAUTHENTICATED');
    }
    const local = await server.inject({ url: `/jobs/${job.id}`, remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
    expect(local.body).toContain(job.id);
    expect((await server.inject({ url: '/', remoteAddress: '::ffff:127.0.0.1' })).statusCode).toBe(200);
  });
});

describe('bad input', () => {
  it('unknown ids give a 404 page with a way back; hostile query strings a 400 page, never a 500', async () => {
    const s = await pushed();
    const server = await app(s);
    const job = (await jobsOf(s.central))[0]!;
    const get = (url: string) => server.inject({ url, remoteAddress: '127.0.0.1' });
    for (const url of [
      '/jobs/ffffffffffffffffffffffffffffffff',
      '/pushes/TXN:nope',
      '/jobs/x/log',
      '/nowhere',
      '/assets/x.js',
      `/jobs/${job.id}/log?attempt=7`,
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(404);
      expect(r.headers['content-type']).toContain('text/html');
      expect(r.body).toContain('<a href="/">Back to the pushes</a>');
    }
    const huge = 'A'.repeat(100_000);
    const forged = Buffer.from(JSON.stringify({ at: '2026-01-01T00:00:00Z', id: 'x', extra: 1 })).toString('base64url');
    for (const url of [
      `/?cursor=${huge}`,
      `/?cursor=${forged}`,
      '/?cursor=%00%01',
      '/?status=exploded',
      '/?status=done&status=failed',
      '/?__proto__=1',
      '/?__proto__[x]=1',
      '/?constructor=1',
      `/?branch=${'b'.repeat(5000)}`,
      `/tasks/build?cursor=${huge}`,
      `/jobs/${job.id}?x=1`,
      `/jobs/${job.id}/log?attempt=-1`,
      `/jobs/${job.id}/log?attempt=1e9`,
      '/v1/events?x=1',
      '/workers?__proto__=1',
    ]) {
      const r = await get(url);
      expect(r.statusCode, url).toBe(400);
      expect(r.body, url).toContain('<a href="/">Back to the pushes</a>');
      expect(r.body).not.toContain(s.dir);
    }
    // markup in a filter value comes back as text in the form
    const echoed = await get(`/?pusher=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(echoed.statusCode).toBe(200);
    expect(echoed.body).not.toContain('<script>alert(1)');
    expect(echoed.body).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(echoed.headers['content-security-policy']).toBe(
      "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
  });

  it('pages the pushes by cursor, newest first, and filters by pusher, task and status', async () => {
    const s = await pushed();
    for (let i = 0; i < 3; i++) {
      // the last one on a branch whose name carries an escape sequence
      await commit(s.work, { [`docs/b${i}.md`]: String(i) }, `change ${i}`, i === 2 ? { branch: 'evil\x1b[2J<b>x' } : {});
      await expectAccepted(s, { LOGNAME: i === 1 ? 'carol' : 'bob' });
    }
    const server = await app(s);
    const { PAGE_SIZE } = await import('../../src/ui/pushes-page.js');
    expect(PAGE_SIZE).toBe(50);
    const rows = async (q: string) =>
      [...(await server.inject({ url: `/${q}`, remoteAddress: '127.0.0.1' })).body.matchAll(/data-push="([^"]+)"/g)].map((m) => m[1]);
    const all = await rows('');
    expect(all).toHaveLength(4);
    expect(await rows('?pusher=carol')).toHaveLength(1);
    expect(await rows('?task=test')).toHaveLength(1);
    expect(await rows('?status=ready')).toHaveLength(4);
    expect(await rows('?status=done')).toHaveLength(0);
    const evil = await server.inject({ url: `/?branch=${encodeURIComponent('evil\x1b[2J<b>x')}`, remoteAddress: '127.0.0.1' });
    expect([...evil.body.matchAll(/data-push=/g)]).toHaveLength(1);
    expect(evil.body).toContain('<span class="branch">evil\\x1b[2J&lt;b&gt;x</span>');
    expect(evil.body).not.toContain('\x1b');
    // a cursor at the second push leaves the two oldest
    const jobs = await jobsOf(s.central);
    const second = jobs.find((j) => j.push.id === all[1])!;
    const push = await (await app(s)).inject({ url: `/v1/pushes/${encodeURIComponent(second.push.id)}` });
    const at = (JSON.parse(push.body) as { push: { createdAt: string } }).push.createdAt;
    const cursor = Buffer.from(JSON.stringify({ at, id: all[1] })).toString('base64url');
    expect(await rows(`?cursor=${cursor}`)).toEqual(all.slice(2));
  });
});

describe('live events and the read APIs', () => {
  it('/v1/events tells an open stream of each status change; no event or API answer carries a token, key, path or password', async () => {
    const s = await pushed();
    const url = (await (await app(s)).listen({ host: '127.0.0.1', port: 0 })).toString();
    const stream = await fetch(`${url}/v1/events`);
    expect(stream.headers.get('content-type')).toContain('text/event-stream');
    const reader = stream.body!.getReader();
    let text = '';
    const worker = execa(TASKGATE, ['worker', '-R', s.central, '--once', '--name', 'w-events'], {
      env: baseEnv(),
      extendEnv: false,
      reject: false,
    });
    const until = Date.now() + 30_000;
    while (Date.now() < until && (text.match(/"status":"done"/g) ?? []).length < 4) {
      const { value, done } = await reader.read();
      if (done) break;
      text += Buffer.from(value).toString('utf8');
    }
    await reader.cancel();
    expect((await worker).exitCode).toBe(0);
    const jobs = await jobsOf(s.central);
    for (const j of jobs) {
      expect(text).toContain(`"id":"${j.id}","status":"running"`);
      expect(text).toContain(`"id":"${j.id}","status":"done"`);
    }
    const answers = [text];
    for (const path of [
      '/v1/jobs',
      `/v1/jobs/${jobs[0]!.id}`,
      `/v1/pushes/${encodeURIComponent(jobs[0]!.push.id)}`,
      `/v1/lineage/${jobs[0]!.id}`,
      `/v1/lineage/${encodeURIComponent(jobs[0]!.push.id)}`,
    ])
      answers.push(await (await fetch(`${url}${path}`)).text());
    const keys = readFileSync(join(s.central, '.hg', 'taskgate', 'keys.json'), 'utf8');
    const d = /"d":\s*"([^"]+)"/.exec(keys)![1]!;
    for (const a of answers) {
      expect(a).not.toMatch(/eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/);
      expect(a).not.toContain(d);
      expect(a).not.toContain(s.dir);
      expect(a).not.toMatch(/password/i);
    }
  });
});

describe('taskgate graph', () => {
  it('writes the DAG of a head, a push or a job as dot, mermaid, json and svg; the tasks a revision would queue before any job exists', async () => {
    const s = await pushed(false);
    const planned = await taskgate(s.central, ['graph', '-r', 'tip', '--format', 'json']);
    expect(planned.exitCode, planned.stderr).toBe(0);
    const plan = JSON.parse(planned.stdout) as { nodes: Array<{ label: string; status: string; layer: number }>; edges: unknown[] };
    expect(plan.nodes.map((n) => [n.label, n.status, n.layer])).toEqual([
      ['build', 'planned', 0],
      ['docs', 'planned', 0],
      ['test', 'planned', 1],
      ['package', 'planned', 2],
    ]);
    expect(plan.edges).toHaveLength(3);

    const t = await pushed();
    const job = (await jobsOf(t.central)).find((j) => j.task === 'test')!;
    const byJob = JSON.parse((await taskgate(t.central, ['graph', '--job', job.id, '--format', 'json'])).stdout) as typeof plan;
    const byPush = JSON.parse((await taskgate(t.central, ['graph', '--push', job.push.id, '--format', 'json'])).stdout) as typeof plan;
    expect(byJob).toEqual(byPush);
    expect(byJob.nodes.map((n) => [n.label, n.status])).toEqual([
      ['build', 'ready'],
      ['docs', 'ready'],
      ['test', 'pending'],
      ['package', 'pending'],
    ]);
    const dot = (await taskgate(t.central, ['graph', '-r', 'tip'])).stdout;
    expect(dot).toContain('digraph jobs {');
    expect(dot).toContain(`"${job.id}" [label="test"`);
    const mermaid = (await taskgate(t.central, ['graph', '-r', 'tip', '--format', 'mermaid'])).stdout;
    expect(mermaid).toMatch(/^flowchart LR\n {2}j0\["build \(ready\)"\]:::ready/);
    const svg = (await taskgate(t.central, ['graph', '--push', job.push.id, '--format', 'svg'])).stdout;
    expect(svg).toMatch(/^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    expect(svg.match(/<g class="node/g)).toHaveLength(4);
    expect(svg).not.toContain('<a ');
    const bad = await taskgate(t.central, ['graph', '-r', 'tip', '--format', 'png']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toContain('unknown format "png"');
    const none = await taskgate(t.central, ['graph', '--job', 'nope']);
    expect(none.stderr).toContain('error[ERR_JOB_NOT_FOUND]: no job nope');
  });
});
