// Logs travel: a remote worker's log reaches the service as the task runs, cut at resources.log, appended only by the running token's holder.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, hgOk, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

const SLOW = 'for i in 1 2 3 4 5; do echo line $i; sleep 0.5; done';
const SLOW_OUTPUT = 'line 1\nline 2\nline 3\nline 4\nline 5\n';
const MARKER = (n: number) => `\n[taskgate: log cut at ${n} bytes (resources.log); the rest of the output was dropped]\n`;

/** A central repository with two registered worker keys, a pushed manifest, and a worker clone (its own logs, its own -R). */
async function deploy(tasks: Record<string, unknown>): Promise<{ s: Scenario; key: string; other: string; clone: string }> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const key = join(s.dir, 'w-remote.jwk');
  const other = join(s.dir, 'w-other.jwk');
  const pub = (await taskgate(s.dir, ['keys', 'worker', 'w-remote', '--out', key])).stdout.trim();
  const pubOther = (await taskgate(s.dir, ['keys', 'worker', 'w-other', '--out', other])).stdout.trim();
  const configPath = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(
    configPath,
    JSON.stringify({ ...config, worker: { keys: { 'w-remote': pub, 'w-other': pubOther }, lease: '10s', heartbeat: '1s' } }),
  );
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'a' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  const clone = join(s.dir, 'worker-clone');
  await hgOk(s.dir, ['clone', '-q', s.central, clone]);
  return { s, key, other, clone };
}

function remoteWorker(url: string, name: string, key: string, clone: string) {
  return execa(TASKGATE, ['worker', '--server', url, '--name', name, '--key', key, '-R', clone, '--once'], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

/** The time `text` first appears on the process's stdout or stderr (Infinity if never). */
function firstSeen(proc: ResultPromise, stream: 'stdout' | 'stderr', text: string): Promise<number> {
  return new Promise((resolve) => {
    let seen = '';
    proc[stream]!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      if (seen.includes(text)) resolve(Date.now());
    });
    void proc.then(() => resolve(Number.POSITIVE_INFINITY));
  });
}

describe('logs travel: a remote worker sends its log to the service as the task runs', () => {
  it('`jobs log --follow --server` shows early lines before the job ends and stops when it ends; the copies agree; no server path is named', async () => {
    const { s, key, clone } = await deploy({ slow: { inputs: ['src/**'], run: SLOW } });
    const url = await taskgateServe(s.central);
    const [job] = await jobsOf(s.central);
    // following before any worker claimed it: it waits for the first attempt
    const follower = execa(TASKGATE, ['jobs', 'log', job!.id, '--follow', '--server', url], {
      env: baseEnv(),
      extendEnv: false,
      reject: false,
    });
    const early = firstSeen(follower, 'stdout', 'line 1');
    const worker = remoteWorker(url, 'w-remote', key, clone);
    const done = firstSeen(worker, 'stderr', `slow (${job!.id}) done`);
    const [w, f] = await Promise.all([worker, follower]);
    expect(w.exitCode, w.all).toBe(0);
    expect(f.exitCode, f.stderr).toBe(0);
    expect(w.all).not.toContain('log upload failed');
    expect(await early).toBeLessThan(await done);
    expect(f.stdout).toBe(SLOW_OUTPUT.trimEnd());
    // the service's copy (on the store's host), the worker's own copy, and the local read on the server
    expect(readFileSync(join(s.central, '.hg', 'taskgate', 'logs', job!.id, '1.log'), 'utf8')).toBe(SLOW_OUTPUT);
    expect(readFileSync(join(clone, '.hg', 'taskgate', 'logs', job!.id, '1.log'), 'utf8')).toBe(SLOW_OUTPUT);
    const local = await taskgate(s.central, ['jobs', 'log', job!.id.slice(0, 10)]);
    expect(local.exitCode, local.stderr).toBe(0);
    expect(local.stdout).toBe(SLOW_OUTPUT.trimEnd());
    expect((await taskgate(s.central, ['jobs', 'log', job!.id, '--attempt', '1', '--follow'])).stdout).toBe(SLOW_OUTPUT.trimEnd());
    // --json: one object, through serve as locally
    for (const where of [[], ['--server', url]]) {
      const asJson = await taskgate(s.central, ['jobs', 'log', job!.id, '--json', ...where]);
      expect(JSON.parse(asJson.stdout)).toEqual({ job: job!.id, attempt: 1, bytes: 35, log: SLOW_OUTPUT });
    }
    // the log is named by attempt, size and command; no path of the server appears anywhere
    const lineage = await taskgate(s.central, ['lineage', job!.id]);
    expect(lineage.stdout).toContain(`log: attempt 1, 35 B — taskgate jobs log ${job!.id} --attempt 1`);
    const shown = await (await fetch(`${url}/v1/jobs/${job!.id}`)).text();
    expect(JSON.parse(shown).attempts[0]).toMatchObject({ attempt: 1, logBytes: 35, log: `/v1/jobs/${job!.id}/attempts/1/log` });
    const apiLineage = await (await fetch(`${url}/v1/lineage/${job!.id}`)).text();
    expect(JSON.parse(apiLineage).lineage[0].attempts[0]).toMatchObject({ logBytes: 35 });
    const json = await taskgate(s.central, ['lineage', job!.id, '--json']);
    for (const text of [shown, apiLineage, lineage.stdout, json.stdout]) {
      expect(text).not.toContain(s.dir);
      expect(text).not.toContain('.hg/taskgate/logs');
    }
    // errors: an unknown job, an attempt that never was, through serve and locally
    const none = await taskgate(s.central, ['jobs', 'log', 'ffffffffffff', '--server', url]);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toContain('error[ERR_JOB_NOT_FOUND]');
    const noAttempt = await taskgate(s.central, ['jobs', 'log', job!.id, '--attempt', '7']);
    expect(noAttempt.stderr).toContain(`error[ERR_JOB_NOT_FOUND]: job ${job!.id} has no attempt 7`);
  });

  it('a huge output is cut at resources.log on the service as on the worker', async () => {
    const { s, key, clone } = await deploy({
      loud: { inputs: ['src/**'], run: 'head -c 300000 /dev/zero | tr "\\0" x', resources: { log: '100k' } },
    });
    const url = await taskgateServe(s.central);
    const w = await remoteWorker(url, 'w-remote', key, clone);
    expect(w.exitCode, w.all).toBe(0);
    const [job] = await jobsOf(s.central);
    const expected = `${'x'.repeat(102_400)}${MARKER(102_400)}`;
    const kept = readFileSync(join(s.central, '.hg', 'taskgate', 'logs', job!.id, '1.log'), 'utf8');
    expect(kept.length).toBe(expected.length);
    expect(kept === expected, "the service's copy").toBe(true);
    const remoteRead = await taskgate(s.dir, ['jobs', 'log', job!.id, '--server', url]);
    // (execa drops the last newline)
    expect(remoteRead.stdout === expected.trimEnd(), 'the log read through serve').toBe(true);
  });
});

interface Answer {
  status: number;
  body: {
    claimed?: { token: string; job: { id: string } };
    token?: string;
    offset?: number;
    cut?: boolean;
    error?: { code: string; message: string };
  };
}

/** A hand-made worker client: signed assertions, and log chunks as the worker sends them. */
async function client(url: string, name: string, keyFile: string) {
  const { signClientAssertion, CLIENT_ASSERTION_TYPE } = await import('../../src/tokens/client-assertion.js');
  const jwk = JSON.parse(readFileSync(keyFile, 'utf8'));
  const call = async (path: string, body: Record<string, unknown>): Promise<Answer> => {
    const assertion = await signClientAssertion(name, jwk, 'urn:taskgate:acme/app', { method: 'POST', url: `${url}${path}` });
    const r = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...body, client_assertion_type: CLIENT_ASSERTION_TYPE, client_assertion: assertion }),
    });
    return { status: r.status, body: (await r.json()) as Answer['body'] };
  };
  const chunk = (job: string, token: string, offset: number, text: string | Buffer) =>
    call(`/v1/jobs/${job}/log`, { token, offset, data: Buffer.from(text).toString('base64') });
  return { call, chunk };
}

describe('the log upload route refuses all but the holder of the running token', () => {
  it('a retried chunk is not written twice, a gap is refused, and another worker, a stale token, another job, a finished job or another repository cannot append', async () => {
    const { s, key, other } = await deploy({
      a: { inputs: ['src/**'], run: 'true', resources: { log: '1k' } },
      b: { inputs: ['src/**'], run: 'true' },
    });
    let url = await taskgateServe(s.central);
    const w = await client(url, 'w-remote', key);
    const claimed = (await w.call('/v1/claim', {})).body.claimed!;
    const job = claimed.job.id;
    const file = join(s.central, '.hg', 'taskgate', 'logs', job, '1.log');
    const t1 = claimed.token;
    expect((await w.chunk(job, t1, 0, 'abc')).body).toEqual({ offset: 3, cut: false });
    // the same chunk again (its answer was lost): acknowledged, not duplicated
    expect((await w.chunk(job, t1, 0, 'abc')).body).toEqual({ offset: 3, cut: false });
    expect((await w.chunk(job, t1, 1, 'bcde')).body).toEqual({ offset: 5, cut: false });
    expect(readFileSync(file, 'utf8')).toBe('abcde');
    const gap = await w.chunk(job, t1, 9, 'zzz');
    expect(gap.status).toBe(409);
    expect(gap.body.error).toMatchObject({ code: 'ERR_LOG_OFFSET' });
    // tokens rotate at each heartbeat: the old one is stale for the log too
    const t2 = (await w.call('/v1/heartbeat', { token: t1 })).body.token!;
    const stale = await w.chunk(job, t1, 5, 'f');
    expect(stale.status).toBe(401);
    expect(stale.body.error!.message).toContain('is not its current one');
    // another registered worker presenting the holder's token
    const o = await client(url, 'w-other', other);
    const intruder = await o.chunk(job, t2, 5, 'evil');
    expect(intruder.status).toBe(401);
    expect(intruder.body.error!.message).toContain('belongs to w-remote, not w-other');
    // the token of job a for the log of job b
    const jobB = (await jobsOf(s.central)).find((j) => j.id !== job)!.id;
    expect((await w.chunk(jobB, t2, 0, 'x')).status).toBe(401);
    // no assertion, a chunk too big
    expect(
      (await fetch(`${url}/v1/jobs/${job}/log`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status,
    ).toBe(400);
    expect((await w.chunk(job, t2, 5, Buffer.alloc(64 * 1024 + 1))).status).toBe(400);
    // past resources.log (1k): cut with the marker, and the rest dropped
    expect((await w.chunk(job, t2, 5, Buffer.alloc(4000, 'y'))).body).toEqual({ offset: 4005, cut: true });
    expect((await w.chunk(job, t2, 4005, 'more')).body).toEqual({ offset: 4009, cut: true });
    expect(readFileSync(file, 'utf8')).toBe(`abcde${'y'.repeat(1019)}${MARKER(1024)}`);
    expect(readFileSync(file).length).toBe(1024 + MARKER(1024).length);
    // a service that serves another repository: the job is not its own
    const configPath = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, worker: { ...config.worker, repos: ['acme/other'] } }));
    url = await taskgateServe(s.central);
    const foreign = await (await client(url, 'w-remote', key)).chunk(job, t2, 4009, 'x');
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toMatchObject({ code: 'ERR_FORBIDDEN' });
    writeFileSync(configPath, JSON.stringify(config));
    url = await taskgateServe(s.central);
    // a finished job's log is closed
    const w2 = await client(url, 'w-remote', key);
    expect((await w2.call('/v1/complete', { token: t2, outcome: { exitCode: 0, log: '/etc/passwd' } })).status).toBe(200);
    const closed = await w2.chunk(job, t2, 4009, 'late');
    expect(closed.status).toBe(401);
    // the path the worker claimed is not kept: the read API names the log by URL and size
    const shown = await (await fetch(`${url}/v1/jobs/${job}`)).text();
    expect(shown).not.toContain('/etc/passwd');
    expect(JSON.parse(shown).attempts[0]).toMatchObject({ log: `/v1/jobs/${job}/attempts/1/log`, logBytes: 1024 + MARKER(1024).length });
    expect(existsSync(file)).toBe(true);
  });
});
