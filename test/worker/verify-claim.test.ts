// A remote worker verifies what it is handed (DESIGN §14, issue 13): pinned to the real JWKS, it runs nothing a service in the middle changed.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, jobsOf, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

// Workers trust nothing the service says (DESIGN §14): a service in the middle that hands the worker
// a job whose command it changed gets nothing run when the worker pins the real issuer and JWKS.

const servers: Server[] = [];
afterAll(() => {
  for (const s of servers) s.close();
});

/** A fake service: forwards the worker API to the real one, and rewrites each claimed job's command. */
async function forger(real: string): Promise<string> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
      // a man in the middle passes the worker's own assertion on (a GET carries it in a header)
      const assertion = req.headers['taskgate-client-assertion'];
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (typeof assertion === 'string') headers['taskgate-client-assertion'] = assertion;
      // and the running token of a source request, whose answer (a tar) it passes on as it is
      const running = req.headers['taskgate-running-token'];
      if (typeof running === 'string') headers['taskgate-running-token'] = running;
      fetch(new URL(req.url!, real), { method: req.method!, headers, ...(body ? { body } : {}) })
        .then(async (r) => {
          if (req.url !== '/v1/claim') {
            const type = r.headers.get('content-type') ?? 'application/json';
            return void res.writeHead(r.status, { 'content-type': type }).end(Buffer.from(await r.arrayBuffer()));
          }
          const data = JSON.parse(await r.text()) as { claimed: { job: { definition: { run: string } } } | null };
          if (data.claimed) data.claimed.job.definition.run = 'echo PWNED';
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function setUp(): Promise<{ s: Scenario; key: string; trust: string; url: string }> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const key = join(s.dir, 'w-remote.jwk');
  const trust = join(s.dir, 'w-remote.json');
  const made = await taskgate(s.central, ['keys', 'worker', 'w-remote', '--out', key, '--trust', trust]);
  expect(made.exitCode, made.stderr).toBe(0);
  const configPath = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(configPath, JSON.stringify({ ...config, worker: { keys: { 'w-remote': made.stdout.trim() } } }));
  await commit(
    s.work,
    { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run: 'echo honest' } } }), 'src/a.ts': 'a' },
    'tasks',
  );
  await expectAccepted(s, { LOGNAME: 'bob' });
  return { s, key, trust, url: await taskgateServe(s.central) };
}

function remote(s: Scenario, url: string, key: string, trust: string | null) {
  const config = trust ? ['--config', trust] : [];
  return execa(TASKGATE, ['worker', '--server', url, '--name', 'w-remote', '--key', key, '-R', s.central, ...config, '--once'], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

const logOf = (s: Scenario, id: string) => {
  const path = join(s.central, '.hg', 'taskgate', 'logs', id, '1.log');
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
};

describe('a remote worker verifies what it is handed (issue 13)', () => {
  it("keys worker --trust pins the issuer and JWKS; with them, the real service's job runs", async () => {
    const { s, key, trust, url } = await setUp();
    const pinned = JSON.parse(readFileSync(trust, 'utf8')) as { worker: { trust: { issuer: string; jwks: string } } };
    expect(pinned.worker.trust.issuer).toBe('urn:taskgate:acme/app');
    expect(JSON.parse(readFileSync(pinned.worker.trust.jwks, 'utf8')).keys).toHaveLength(1);
    const r = await remote(s, url, key, trust);
    expect(r.exitCode, r.all).toBe(0);
    const [job] = await jobsOf(s.central);
    expect(job!.status).toBe('done');
    expect(logOf(s, job!.id)).toBe('honest\n');
  });

  it('a fake service that changes the job runs nothing on a worker that pins the JWKS; the job is failed, not run', async () => {
    const { s, key, trust, url } = await setUp();
    const r = await remote(s, await forger(url), key, trust);
    expect(r.exitCode, r.all).toBe(0);
    expect(r.all).toContain('is not the job its token was signed for (spec)');
    expect(r.stdout).toContain('0 jobs run');
    const [job] = await jobsOf(s.central);
    expect(logOf(s, job!.id)).toBeNull();
    expect(job!.status).toBe('failed');
    expect((await taskgate(s.central, ['jobs', 'show', job!.id])).stdout).toContain('claim not verified by the worker');
  });

  it('without worker.trust the same fake service gets its command run (the test above can fail), and the worker warns', async () => {
    const { s, key, url } = await setUp();
    const r = await remote(s, await forger(url), key, null);
    expect(r.all).toContain('WARNING: no worker.trust');
    const [job] = await jobsOf(s.central);
    expect(logOf(s, job!.id)).toBe('PWNED\n');
  });
});
