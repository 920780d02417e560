// The hook server (DESIGN §13, src/hook-server/): warm, it judges and queues exactly as the hooks
// would in their own processes, and a hook never trusts a server it cannot vouch for.
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { commit, GATE_HOOK, HELPERS, jobsOf, makeClone, push, ROOT, taskgate, TRIGGER_HOOK } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { scenario, type Scenario } from './helpers/scenario.js';
import { DUMMY_SSH, hgServe } from './helpers/servers.js';

const MANIFEST = JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } });

interface Setup {
  s: Scenario;
  env: Record<string, string>;
  runtime: string;
  probe: string;
}

/** A central repository with gate and trigger, a runtime folder of its own (its own server), and the probe. */
async function setup(): Promise<Setup> {
  const config = onlyRules([{ rule: 'message', pattern: '^OPS-[0-9]+: ' }], { repo: { id: 'acme/served' } });
  const s = await scenario(config, { trigger: true, hgrc: '[web]\nallow-push = *\npush_ssl = false\n' });
  const runtime = join(s.dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  const probe = join(s.dir, 'probe.log');
  const env = {
    XDG_RUNTIME_DIR: runtime,
    LOGNAME: 'alice',
    NODE_OPTIONS: `--require ${join(HELPERS, 'hook-probe.cjs')}`,
    HOOK_PROBE_LOG: probe,
  };
  return { s, env, runtime, probe };
}

/** The hooks' probe lines since the last call, and the log emptied. */
function probed(probe: string): string[] {
  if (!existsSync(probe)) return [];
  const lines = readFileSync(probe, 'utf8').trim().split('\n');
  rmSync(probe);
  return lines;
}

/** The server's socket in `runtime` (one install: one socket), once it is there. */
async function serverSocket(runtime: string): Promise<string> {
  const dir = join(runtime, `taskgate-hooks-${process.getuid!()}`);
  for (let i = 0; i < 200; i++) {
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => /^[0-9a-f]{8}$/.test(n)) : [];
    if (names.length === 1) return join(dir, names[0]!);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no hook server socket in ${dir}`);
}

const taskgateLines = (all: string) =>
  all
    .split('\n')
    .map((l) => l.replace(/^remote: /, ''))
    .filter((l) => l.startsWith('taskgate'));

describe('the hook server', () => {
  for (const channel of ['local', 'ssh', 'http'] as const) {
    it(`${channel}: started by the first push, it judges and queues the next ones as the hooks would`, async () => {
      const { s, env, runtime, probe } = await setup();
      const dest =
        channel === 'ssh' ? `ssh://alice@localhost/${s.central}` : channel === 'http' ? await hgServe(s.central, env) : s.central;
      const args = channel === 'ssh' ? ['-e', DUMMY_SSH] : [];
      await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
      const first = await push(s.work, dest, env, args);
      expect(first.exitCode, first.all).toBe(0);
      // no server yet: the gate runs here and starts one (which may be up in time for the trigger)
      const started = probed(probe);
      expect(started[0]).toBe('pretxnchangegroup.taskgate here');
      expect(started[1]).toMatch(/^changegroup\.taskgate (here|served)$/);
      const socket = await serverSocket(runtime);
      if (channel === 'local') {
        // doctor says whether it runs, as the hooks with this environment would find it
        const doctor = await taskgate(s.central, ['doctor', s.central], env);
        expect(doctor.stdout).toMatch(new RegExp(`^ok +hook server: running, at ${socket}$`, 'm'));
        const off = await taskgate(s.central, ['doctor', s.central], { ...env, TASKGATE_HOOK_SERVER: 'off' });
        expect(off.stdout).toMatch(/^ok +hook server: off \(TASKGATE_HOOK_SERVER=off\): each hook runs in its own process$/m);
      }

      await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-2: the second change');
      const second = await push(s.work, dest, env, args);
      expect(second.exitCode, second.all).toBe(0);
      expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate served', 'changegroup.taskgate served']);
      expect(taskgateLines(second.all)[0]).toMatch(/^taskgate: [0-9a-f]{12} \(default\): 1 job queued: build/);

      // a bad changeset: refused by the server with the same words as by the hook itself
      const bad = await commit(s.work, { 'src/a.ts': 'c' }, 'bad message');
      const served = await push(s.work, dest, env, args);
      expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate served']);
      expect(served.exitCode).not.toBe(0);
      expect(taskgateLines(served.all)).toContain('taskgate: push rejected: 1 violation in 1 of 1 changeset');
      // hg serve's hooks have hg serve's environment, not the pusher's: there, the hook-run refusal is the local one
      if (channel !== 'http') {
        const here = await push(s.work, dest, { ...env, TASKGATE_HOOK_SERVER: 'off' }, args);
        expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate here']);
        expect(taskgateLines(served.all)).toEqual(taskgateLines(here.all));
      }

      // rolled back: the next push is read without the refused changeset, and queues only its own job
      const work2 = await makeClone(s.dir, s.central, 'work2');
      const good = await commit(work2, { 'src/b.ts': 'b' }, 'OPS-3: the third change');
      const r = await push(work2, dest, env, args);
      expect(r.exitCode, r.all).toBe(0);
      expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate served', 'changegroup.taskgate served']);
      const jobs = await jobsOf(s.central);
      expect(jobs.filter((j) => j.rev === good).map((j) => j.task)).toEqual(['build']);
      expect(jobs.some((j) => j.rev === bad)).toBe(false);
      expect(jobs.length).toBe(3);
    });
  }
});

/** A stand-in server at the install's socket: each connection gets `answer` and is ended (null: it is held, silent). */
function standIn(path: string, answer: string | null): Promise<{ server: Server; connections: () => number }> {
  let count = 0;
  const held: Socket[] = [];
  const server = createServer((socket) => {
    count += 1;
    if (answer === null) held.push(socket);
    else socket.once('data', () => socket.end(answer));
  });
  // a held connection must not keep close() waiting
  const close = server.close.bind(server);
  server.close = (callback) => {
    held.forEach((socket) => socket.destroy());
    return close(callback);
  };
  return new Promise((resolve) => server.listen(path, () => resolve({ server, connections: () => count })));
}

describe('a hook trusts only a whole answer from a server in its own private folder', () => {
  it('a folder others may enter is never asked; half an answer, busy or garbage: the hook judges itself', async () => {
    const { s, env, runtime, probe } = await setup();
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'bad message');
    const { hookServerSocket } = await import('../src/hook-server/protocol.js');
    const path = hookServerSocket(join(ROOT, 'dist'), { XDG_RUNTIME_DIR: runtime })!;
    const folder = join(path, '..');
    // the attack: a server planted where others can write, answering "accepted" for any push
    chmodSync(folder, 0o777);
    const planted = await standIn(path, '{"code":0}\n');
    const refused = await push(s.work, s.central, env);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('taskgate: push rejected: 1 violation in 1 of 1 changeset');
    expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate here']);
    expect(planted.connections()).toBe(0);
    planted.server.close();
    chmodSync(folder, 0o700);
    rmSync(path, { force: true });

    // in its own folder, a server that stops halfway, is busy, or says nothing we know
    const answers = [
      '{"taken":1}\n{"w":"taskgate: policy bypassed\\n"}\n',
      '{"busy":1}\n',
      'accepted\n',
      '{"taken":1}\n{"code":"0"}\n',
      // 256 would exit 0
      '{"taken":1}\n{"code":256}\n',
      // a server that takes the connection and never says a word: the hook waits 2 s, not for ever
      null,
    ];
    for (const answer of answers) {
      const odd = await standIn(path, answer);
      const r = await push(s.work, s.central, env);
      expect(r.exitCode, String(answer)).not.toBe(0);
      expect(r.all).toContain('taskgate: push rejected: 1 violation in 1 of 1 changeset');
      // nothing of half an answer reaches the pusher
      expect(r.all).not.toContain('policy bypassed');
      expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate here']);
      expect(odd.connections()).toBe(1);
      await new Promise((r) => odd.server.close(r));
    }
  });

  it('a rebuilt install: its old server answers "stale" and leaves, the hook runs the new code, a new server follows', async () => {
    const { s, env, runtime, probe } = await setup();
    const copy = join(s.dir, 'taskgate');
    cpSync(join(ROOT, 'hooks'), join(copy, 'hooks'), { recursive: true });
    cpSync(join(ROOT, 'dist'), join(copy, 'dist'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    const hgrc = join(s.central, '.hg', 'hgrc');
    const text = readFileSync(hgrc, 'utf8');
    writeFileSync(
      hgrc,
      text.replace(GATE_HOOK, join(copy, 'hooks', 'pretxnchangegroup')).replace(TRIGGER_HOOK, join(copy, 'hooks', 'changegroup')),
    );
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    expect((await push(s.work, s.central, env)).exitCode).toBe(0);
    const socket = await serverSocket(runtime);
    await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-2: the second change');
    expect((await push(s.work, s.central, env)).exitCode).toBe(0);
    expect(probed(probe)).toContain('pretxnchangegroup.taskgate served');
    // a rebuild writes new files: the same bytes under a new inode
    const bundle = join(copy, 'dist', 'gate-hook.cjs');
    const bytes = readFileSync(bundle);
    rmSync(bundle);
    writeFileSync(bundle, bytes);
    await commit(s.work, { 'src/a.ts': 'c' }, 'OPS-3: the third change');
    const r = await push(s.work, s.central, env);
    expect(r.exitCode, r.all).toBe(0);
    expect(probed(probe)[0]).toBe('pretxnchangegroup.taskgate here');
    // the old server is gone and a new one took its place
    await serverSocket(runtime);
    await commit(s.work, { 'src/a.ts': 'd' }, 'OPS-4: the fourth change');
    expect((await push(s.work, s.central, env)).exitCode).toBe(0);
    expect(probed(probe)).toEqual(['pretxnchangegroup.taskgate served', 'changegroup.taskgate served']);
    expect(existsSync(socket)).toBe(true);
    expect((await jobsOf(s.central)).length).toBe(4);
  });
});
