// A remote worker with no clone (DESIGN §14, issue 13): sources fetched over TLS from the service, a pinned CA, plain http to loopback only.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, jobsOf, taskgate, tempDir } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

// A remote worker on another host (DESIGN §14): no clone, its own configuration, the service over TLS
// with a private CA pinned by the worker; plain http only to loopback.

/** A self-signed certificate for localhost and 127.0.0.1, made with openssl: it is its own CA. */
async function selfSigned(dir: string): Promise<{ cert: string; key: string }> {
  const cert = join(dir, 'service.pem');
  const key = join(dir, 'service.key');
  const r = await execa(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ],
    { reject: false, all: true },
  );
  expect(r.exitCode, r.all).toBe(0);
  return { cert, key };
}

interface Remote {
  s: Scenario;
  key: string;
  /** The worker's own configuration file, in a folder of no repository. */
  workerConfig: string;
  home: string;
  ca: string;
}

/** A central repository over TLS with one registered worker, and the worker's configuration (trust, CA, cache) made by `keys worker`. */
async function setUp(tasks: Record<string, unknown>): Promise<Remote> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
  const { cert, key: tlsKey } = await selfSigned(s.dir);
  const home = tempDir('tg-worker-host-');
  const key = join(home, 'w-remote.jwk');
  const workerConfig = join(home, 'w-remote.json');
  const made = await taskgate(s.central, ['keys', 'worker', 'w-remote', '--out', key, '--trust', workerConfig, '--ca', cert]);
  expect(made.exitCode, made.stderr).toBe(0);
  const trust = JSON.parse(readFileSync(workerConfig, 'utf8')) as { worker: Record<string, unknown> };
  expect(trust.worker['trust']).toMatchObject({ ca: cert });
  // relative paths of the worker's configuration are against its own folder
  writeFileSync(workerConfig, JSON.stringify({ worker: { ...trust.worker, logs: 'logs', source: { cache: 'sources', entries: 4 } } }));
  const configPath = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(configPath, 'utf8'));
  writeFileSync(
    configPath,
    JSON.stringify({ ...config, server: { tls: { cert, key: tlsKey } }, worker: { keys: { 'w-remote': made.stdout.trim() } } }),
  );
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks }), 'src/a.ts': 'a', 'other.txt': 'o' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  return { s, key, workerConfig, home, ca: cert };
}

function worker(r: Remote, url: string, args: string[], env: Record<string, string> = {}) {
  return execa(TASKGATE, ['worker', '--server', url, '--name', 'w-remote', '--key', r.key, ...args, '--once'], {
    cwd: r.home,
    env: baseEnv(env),
    extendEnv: false,
    reject: false,
    all: true,
  });
}

// each task proves it has the job's files and no repository; b is hermetic: only its inputs
const DIAMOND = {
  a: { inputs: ['src/**'], run: 'test -f src/a.ts && test -f other.txt && test ! -e .hg && echo ran-a' },
  b: { requires: ['a'], inputs: ['src/**'], hermetic: true, run: 'test -f src/a.ts && test ! -e other.txt && echo ran-b' },
  c: { requires: ['a'], inputs: ['src/**'], run: 'test -f src/a.ts && echo ran-c' },
  d: { requires: ['b', 'c'], inputs: ['src/**'], run: 'test -f src/a.ts && echo ran-d' },
};

describe('a remote worker with no clone, over TLS (issue 13)', () => {
  it('runs a diamond DAG in order, all done, its sources fetched from the service once and kept by node', async () => {
    const r = await setUp(DIAMOND);
    const url = await taskgateServe(r.s.central);
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const run = await worker(r, url, ['--config', r.workerConfig]);
    expect(run.exitCode, run.all).toBe(0);
    expect(run.stdout).toContain('taskgate worker: 4 jobs run');
    const order = [...run.stderr.matchAll(/runs (\w) \(/g)].map((m) => m[1]);
    expect(order[0]).toBe('a');
    expect(order.slice(1, 3).sort()).toEqual(['b', 'c']);
    expect(order[3]).toBe('d');
    const jobs = await jobsOf(r.s.central);
    expect(jobs.map((j) => [j.task, j.status]).sort()).toEqual([
      ['a', 'done'],
      ['b', 'done'],
      ['c', 'done'],
      ['d', 'done'],
    ]);
    // one revision: one archive in the cache, named by its node
    expect(readdirSync(join(r.home, 'sources'))).toEqual([`${jobs[0]!.rev}.tar`]);
    const logs = readdirSync(join(r.home, 'logs'));
    expect(logs).toHaveLength(4);
    for (const id of logs) expect(readFileSync(join(r.home, 'logs', id, '1.log'), 'utf8')).toMatch(/^ran-[abcd]$/m);
    // and the service shows every log: the worker sent each one as its task ran
    for (const j of jobs) {
      const shown = await taskgate(r.s.central, ['jobs', 'log', j.id]);
      expect(shown.exitCode, shown.stderr).toBe(0);
      expect(shown.stdout).toMatch(new RegExp(`^ran-${j.task}$`, 'm'));
    }
  });

  it('trusts the service only through the pinned CA (or NODE_EXTRA_CA_CERTS); an untrusted certificate stops the worker at once', async () => {
    const r = await setUp({ a: { inputs: ['src/**'], run: 'true' } });
    const url = await taskgateServe(r.s.central);
    const unpinned = join(r.home, 'unpinned.json');
    const config = JSON.parse(readFileSync(r.workerConfig, 'utf8')) as { worker: { trust: Record<string, unknown> } };
    delete config.worker.trust['ca'];
    writeFileSync(unpinned, JSON.stringify(config));
    const refused = await worker(r, url, ['--config', unpinned]);
    expect(refused.exitCode, refused.all).toBe(2);
    expect(refused.all).toContain("the service's TLS certificate is not trusted");
    expect(refused.all).toContain('worker.trust.ca');
    expect((await jobsOf(r.s.central)).map((j) => j.status)).toEqual(['ready']);
    // Node's own way works too
    const extra = await worker(r, url, ['--config', unpinned], { NODE_EXTRA_CA_CERTS: r.ca });
    expect(extra.exitCode, extra.all).toBe(0);
    expect(extra.stdout).toContain('taskgate worker: 1 job run');
  });

  it('refuses plain http to another host (exit 2, a hint about https); loopback http is allowed', async () => {
    const home = tempDir('tg-worker-host-');
    const key = join(home, 'w.jwk');
    await taskgate(home, ['keys', 'worker', 'w', '--out', key]);
    for (const url of ['http://hg.acme.test:8470', 'http://10.0.0.7:8470', 'http://[fe80::1]:8470', 'ftp://127.0.0.1/']) {
      const r = await execa(TASKGATE, ['worker', '--server', url, '--name', 'w', '--key', key, '--once'], {
        cwd: home,
        env: baseEnv(),
        extendEnv: false,
        reject: false,
        all: true,
      });
      expect(r.exitCode, r.all).toBe(2);
      expect(r.all).toContain('plain');
      expect(r.all).toContain('use https://');
    }
    // no configuration and no repository here: told what to give
    const none = await execa(TASKGATE, ['worker', '--server', 'http://localhost:1', '--name', 'w', '--key', key, '--once'], {
      cwd: home,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(none.exitCode, none.all).toBe(2);
    expect(none.all).toContain('--config');
  });

  it('a service whose certificate or key cannot be read says which key of server.tls', async () => {
    const s = await scenario({
      repo: { id: 'acme/app' },
      policy: { rules: [] },
      server: { tls: { cert: 'missing.pem', key: 'missing.key' } },
    });
    const r = await taskgate(s.central, ['serve', '--port', '0']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('ERR_CONFIG_INVALID');
    expect(r.stderr).toContain('server.tls.cert');
    expect(r.stderr).toContain(join(s.central, 'missing.pem'));
  });
});
