// The sandbox holds against pushed code (issue 13): each attack blocked under bubblewrap, and shown to work under worker.sandbox "none".
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';
import { taskgateServe } from '../helpers/servers.js';

// The attacks of issue 13, replayed by pushed task code against a real worker. Every file the task
// goes for is made readable and writable by everyone first: the sandbox, not the file modes, must
// stop them. The same tasks under worker.sandbox "none" succeed, so each assertion can fail.

let listener: Server;
let port = 0;
const SLEEP = `600.${process.pid}`;

beforeAll(async () => {
  // stands for the service's port on loopback
  listener = createServer((socket) => {
    socket.on('error', () => {});
    socket.end('hello\n');
  });
  await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
  port = (listener.address() as { port: number }).port;
});

afterAll(async () => {
  await execa('pkill', ['-KILL', '-f', `sleep ${SLEEP}`], { reject: false });
  await new Promise((resolve) => listener.close(resolve));
});

/** Shell that tries each attack and prints `ATTACK <name>: ok` when it worked, `blocked` when it did not. */
function attacks(central: string, key: string): string {
  const probe = (name: string, command: string) =>
    `if ( ${command} ) >/dev/null 2>&1; then echo "ATTACK ${name}: ok"; else echo "ATTACK ${name}: blocked"; fi`;
  const hg = join(central, '.hg');
  return [
    probe('keys', `grep -q '"d"' ${hg}/taskgate/keys.json`),
    probe('jobs.db', `head -c 16 ${hg}/taskgate/jobs.db | grep -q SQLite`),
    probe('audit', `grep -q push.accepted ${hg}/taskgate/audit.jsonl`),
    probe('worker key', `grep -q '"d"' ${key}`),
    // walking /proc to the worker's command line (the pattern does not match this script's own text)
    probe('cmdline', `cat /proc/[0-9]*/cmdline | tr '\\0' ' ' | grep -q -- '--nam[e] '`),
    probe('hgrc', `printf '# planted by a task\\n' >> ${hg}/hgrc`),
    probe('network', `python3 -c "import socket; socket.create_connection(('127.0.0.1', ${port}), 2).recv(5)"`),
    `setsid sleep ${SLEEP} > /dev/null 2>&1 < /dev/null &`,
    // the task ends only once its sleep has left the group: else the group's end may beat setsid, and "none" would look safe
    `for i in $(seq 50); do pgrep -x -f 'sleep ${SLEEP}' > /dev/null && break; sleep 0.1; done`,
    'echo "uid $(id -u)"',
  ].join('\n');
}

async function attacked(sandbox: 'bwrap' | 'none', network = false): Promise<{ s: Scenario; log: string; stderr: string }> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] }, worker: { sandbox } }, { trigger: true });
  const key = join(s.dir, 'w1.jwk');
  writeFileSync(key, JSON.stringify({ kty: 'OKP', crv: 'Ed25519', d: 'secret', x: 'public' }));
  const task = { inputs: ['src/**'], run: attacks(s.central, key), ...(network ? { network: true } : {}) };
  await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: { attack: task } }), 'src/a.ts': 'a' }, 'tasks');
  await expectAccepted(s, { LOGNAME: 'bob' });
  // everything open to everyone: only the sandbox stands between the task and these files
  await execa('chmod', ['-R', 'a+rwX', s.dir]);
  const w = await taskgate(s.central, ['worker', '--once', '--name', 'w1']);
  expect(w.exitCode, w.stderr).toBe(0);
  const job = (await jobsOf(s.central))[0]!;
  expect(job.status).toBe('done');
  return { s, log: taskLog(s.central, job.id), stderr: w.stderr };
}

const lingering = async () => (await execa('pgrep', ['-f', `sleep ${SLEEP}`], { reject: false })).stdout.trim();

describe('the sandbox holds against pushed code (issue 13)', () => {
  it('under bwrap, a task reads no key, store, audit log or worker command line, plants no hook, reaches no loopback port and leaves no process', async () => {
    const { s, log } = await attacked('bwrap');
    for (const attack of ['keys', 'jobs.db', 'audit', 'worker key', 'cmdline', 'hgrc', 'network'])
      expect(log, log).toContain(`ATTACK ${attack}: blocked`);
    expect(readFileSync(join(s.central, '.hg', 'hgrc'), 'utf8')).not.toContain('planted');
    expect(await lingering()).toBe('');
    // a root worker without worker.runAs runs tasks as nobody, never as root
    expect(log).toContain('uid 65534');
  });

  it('the same task under worker.sandbox "none" succeeds at every attack (the test above can fail), and the worker warns', async () => {
    const { s, log, stderr } = await attacked('none');
    expect(stderr).toContain('WARNING: worker.sandbox is "none"');
    for (const attack of ['keys', 'jobs.db', 'audit', 'worker key', 'cmdline', 'hgrc', 'network'])
      expect(log, log).toContain(`ATTACK ${attack}: ok`);
    expect(readFileSync(join(s.central, '.hg', 'hgrc'), 'utf8')).toContain('planted');
    expect(await lingering()).not.toBe('');
    await execa('pkill', ['-KILL', '-f', `sleep ${SLEEP}`], { reject: false });
  });

  it('"network": true lets a task reach the port; nothing else opens', async () => {
    const { log } = await attacked('bwrap', true);
    expect(log).toContain('ATTACK network: ok');
    expect(log).toContain('ATTACK keys: blocked');
    expect(await lingering()).toBe('');
  });

  it('a task that clears its own parent-death signal still ends at its timeout: nothing outlives the job', async () => {
    // the attack of the review: the sandbox's first process must never be the task's own, or the task can
    // unset the death signal bwrap gave it (prctl PR_SET_PDEATHSIG 0) and outlive its killed sandbox
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const escape = [
      'import ctypes, os',
      'ctypes.CDLL(None).prctl(1, 0, 0, 0, 0)',
      "null = os.open('/dev/null', os.O_RDWR)",
      'for fd in (0, 1, 2): os.dup2(null, fd)',
      `os.execvp('sleep', ['sleep', '${SLEEP}'])`,
    ].join('\n');
    const task = { inputs: ['src/**'], timeout: '2s', run: `echo started; exec python3 -c "${escape}"` };
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: { escape: task } }), 'src/a.ts': 'a' }, 'tasks');
    await expectAccepted(s, { LOGNAME: 'bob' });
    await execa('chmod', ['-R', 'a+rwX', s.dir]);
    const w = await execa(TASKGATE, ['worker', '--once', '--name', 'w1', '-R', s.central], {
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    expect(w.timedOut, w.stderr).toBe(false);
    const job = (await jobsOf(s.central))[0]!;
    expect(taskLog(s.central, job.id)).toContain('started');
    expect(job.status).toBe('failed');
    expect(await lingering()).toBe('');
  });

  it("a remote worker's task cannot find the worker's key on its command line", async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { trigger: true });
    const key = join(s.dir, 'w-remote.jwk');
    const pub = (await taskgate(s.dir, ['keys', 'worker', 'w-remote', '--out', key])).stdout.trim();
    const configPath = join(s.central, '.hg', 'taskgate.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8'));
    writeFileSync(configPath, JSON.stringify({ ...config, worker: { keys: { 'w-remote': pub } } }));
    // the attack of the review: the key's path from the worker's command line, then the key
    const steal = `k=$(cat /proc/[0-9]*/cmdline | tr '\\0' '\\n' | grep -A1 -x -- '--ke[y]' | tail -n 1); echo "path [$k]"; grep -q '"d"' "$k" && echo STOLEN || echo "not stolen"`;
    await commit(
      s.work,
      { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run: steal } } }), 'src/a.ts': 'a' },
      'tasks',
    );
    await expectAccepted(s, { LOGNAME: 'bob' });
    chmodSync(key, 0o644);
    await execa('chmod', ['a+rx', s.dir]);
    const url = await taskgateServe(s.central);
    const r = await execa(TASKGATE, ['worker', '--server', url, '--name', 'w-remote', '--key', key, '-R', s.central, '--once'], {
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    const job = (await jobsOf(s.central))[0]!;
    const log = taskLog(s.central, job.id);
    expect(log).toContain('path []');
    expect(log).toContain('not stolen');
  });
});
