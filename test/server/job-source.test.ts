// GET /v1/jobs/{id}/source (DESIGN §14): the job's exact node as a tar, to the worker holding its running token and to nobody else.
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { commit, taskgate, tempDir } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

// GET /v1/jobs/{id}/source (DESIGN §14): the job's exact node as a tar, to the worker holding its
// current running token and to nobody else.

type Jwk = Parameters<(typeof import('../../src/tokens/client-assertion.js'))['signClientAssertion']>[1];

async function setUp() {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const keys: Record<string, Jwk> = {};
  const pubs: Record<string, string> = {};
  for (const name of ['w1', 'w2']) {
    const file = join(s.dir, `${name}.jwk`);
    pubs[name] = (await taskgate(s.dir, ['keys', 'worker', name, '--out', file])).stdout.trim();
    keys[name] = JSON.parse(readFileSync(file, 'utf8')) as Jwk;
  }
  const configPath = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, worker: { keys: pubs } }));
  const tasks = { a: { inputs: ['src/**'], run: 'true' }, c: { inputs: ['src/**'], run: 'true' } };
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'the source' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  return { s, keys, url: await taskgateServe(s.central) };
}

describe('GET /v1/jobs/{id}/source', () => {
  it("streams the job's node to the worker holding its current running token, and refuses everyone and everything else", async () => {
    const { s, keys, url } = await setUp();
    const { signClientAssertion } = await import('../../src/tokens/client-assertion.js');
    const { HttpBackend } = await import('../../src/worker/http-backend.js');
    const { extractTar } = await import('../../src/worker/extract-tar.js');
    const get = async (worker: string, jobId: string, token: string | null) => {
      const path = `/v1/jobs/${jobId}/source`;
      const assertion = await signClientAssertion(worker, keys[worker]!, 'urn:taskgate:acme/app', { method: 'GET', url: `${url}${path}` });
      return fetch(`${url}${path}`, {
        headers: { 'taskgate-client-assertion': assertion, ...(token ? { 'taskgate-running-token': token } : {}) },
      });
    };
    const refusal = async (r: Response) => ({
      status: r.status,
      ...((await r.json()) as { error: { code: string; message: string } }).error,
    });

    const w1 = new HttpBackend(url, keys['w1']!, { name: 'w1' });
    const claimed = (await w1.claim('w1'))!;
    const id = claimed.job.id;
    const t1 = claimed.token;

    // the holder gets the node's files, nothing of the repository
    const ok = await get('w1', id, t1);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('application/x-tar');
    const dest = mkdtempSync(join(tempDir(), 'src-'));
    await extractTar(Readable.fromWeb(ok.body as NodeReadableStream<Uint8Array>), dest, { maxBytes: 1e6, maxEntries: 100 });
    expect(readdirSync(dest).sort()).toEqual(['.hg_archival.txt', 'src', 'tasks.json']);
    expect(readFileSync(join(dest, 'src', 'a.ts'), 'utf8')).toBe('the source');

    // another worker, with the holder's token or with none
    expect(await refusal(await get('w2', id, t1))).toMatchObject({
      status: 401,
      code: 'ERR_TOKEN_INVALID',
      message: expect.stringContaining('not held by w2'),
    });
    expect(await refusal(await get('w1', id, null))).toMatchObject({ status: 401, code: 'ERR_TOKEN_INVALID' });
    // the queued token of the other job, still ready, is not a running one
    const db = new Database(join(s.central, '.hg', 'taskgate', 'jobs.db'));
    const queued = db.prepare('SELECT id, token FROM jobs WHERE id != ?').get(id) as { id: string; token: string };
    expect(queued.token).toMatch(/^ey/);
    expect(await refusal(await get('w1', queued.id, queued.token))).toMatchObject({ status: 401, code: 'ERR_TOKEN_INVALID' });
    // the token of one job opens no other
    const other = (await w1.claim('w1'))!;
    expect(other.job.id).not.toBe(id);
    expect(await refusal(await get('w1', other.job.id, t1))).toMatchObject({
      status: 401,
      message: expect.stringContaining('another job'),
    });
    // a token rotated by a heartbeat is stale
    const t2 = await w1.heartbeat('w1', t1);
    expect(await refusal(await get('w1', id, t1))).toMatchObject({
      status: 401,
      message: expect.stringContaining('current running token'),
    });
    expect((await get('w1', id, t2)).status).toBe(200);
    // a finished job
    await w1.complete('w1', t2, { exitCode: 0 });
    expect(await refusal(await get('w1', id, t2))).toMatchObject({ status: 401, message: expect.stringContaining('is done') });
    // a job of another repository: as if it did not exist
    db.prepare("UPDATE jobs SET repo = 'other/app' WHERE id = ?").run(other.job.id);
    db.close();
    expect(await refusal(await get('w1', other.job.id, other.token))).toMatchObject({ status: 404, code: 'ERR_JOB_NOT_FOUND' });
    // an assertion for another path opens nothing
    const assertion = await signClientAssertion('w1', keys['w1']!, 'urn:taskgate:acme/app', { method: 'GET', url: `${url}/v1/open` });
    const lifted = await fetch(`${url}/v1/jobs/${id}/source`, {
      headers: { 'taskgate-client-assertion': assertion, 'taskgate-running-token': t2 },
    });
    expect(lifted.status).toBe(401);
  });
});
