// hg through chg (DESIGN §13): the same verdicts as plain hg, nothing stale after a rollback, and no pusher waits for its server.
import { chmodSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { baseEnv, commit, executable, jobsOf, makeClone } from './helpers/hg-fixture.js';
import { onlyRules } from './helpers/policy.js';
import { scenario, type Scenario } from './helpers/scenario.js';
import { DUMMY_SSH, hgServe } from './helpers/servers.js';

const CHG = '/usr/bin/chg';
const WEB = '[web]\nallow-push = *\npush_ssl = false\n';
const MANIFEST = JSON.stringify({ version: 1, tasks: { build: { inputs: ['src/**'], run: 'make' } } });

/** A push that must end by itself: a server holding the pusher's channel would keep it waiting. */
async function pushWithin(work: string, dest: string, env: Record<string, string>, args: string[] = []) {
  const started = Date.now();
  const r = await execa('hg', ['push', '-f', ...args, dest], {
    cwd: work,
    env: baseEnv(env),
    extendEnv: false,
    reject: false,
    all: true,
    stdin: 'ignore',
    timeout: 90_000,
  });
  expect(r.timedOut, `push still running after ${Date.now() - started} ms:\n${r.all}`).toBe(false);
  return r;
}

/** taskgate's lines of a push's output, without hg's "remote: " prefix. */
const taskgateLines = (all: string) =>
  all
    .split('\n')
    .map((l) => l.replace(/^remote: /, ''))
    .filter((l) => l.startsWith('taskgate') || l.startsWith('  '));

function setCommand(central: string, command: string): void {
  const path = join(central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  writeFileSync(path, JSON.stringify({ ...config, hg: { command } }));
}

function lastAudit(central: string): { event: string; data: Record<string, unknown> } {
  const lines = readFileSync(join(central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n');
  return JSON.parse(lines.filter((l) => /"push\.(accepted|rejected)"/.test(l)).at(-1)!) as { event: string; data: Record<string, unknown> };
}

interface Setup {
  s: Scenario;
  env: Record<string, string>;
  dest: string;
  args: string[];
  calls: string;
  runtime: string;
}

/** A central repository with gate and trigger whose hg.command is a logging wrapper of chg, reached over `channel`. */
async function setup(channel: 'local' | 'ssh' | 'http'): Promise<Setup> {
  const config = onlyRules([{ rule: 'message', pattern: '^OPS-[0-9]+: ' }], { repo: { id: 'acme/chg' } });
  const s = await scenario(config, { trigger: true, hgrc: WEB });
  // a folder of its own for chg's sockets: the server starts cold, and goes when the folder does
  const runtime = join(s.dir, 'run');
  mkdirSync(runtime);
  chmodSync(runtime, 0o700);
  const calls = join(s.dir, 'chg-calls.log');
  const bin = join(s.dir, 'bin');
  mkdirSync(bin);
  // it records each call and chg's exit status: a chg that failed over to plain hg would show
  executable(join(bin, 'chg'), `#!/bin/sh\necho "$*" >> ${calls}\n${CHG} "$@"\nrc=$?\necho "exit $rc" >> ${calls}\nexit $rc\n`);
  setCommand(s.central, join(bin, 'chg'));
  const env = { XDG_RUNTIME_DIR: runtime, LOGNAME: 'alice' };
  if (channel === 'ssh') return { s, env, dest: `ssh://alice@localhost/${s.central}`, args: ['-e', DUMMY_SSH], calls, runtime };
  if (channel === 'http') return { s, env, dest: await hgServe(s.central, env), args: [], calls, runtime };
  return { s, env, dest: s.central, args: [], calls, runtime };
}

const sockets = (runtime: string) =>
  readdirSync(runtime)
    .flatMap((d) => readdirSync(join(runtime, d)))
    .filter((n) => n.startsWith('server'));

describe.skipIf(!existsSync(CHG))('hg through chg', () => {
  for (const channel of ['local', 'ssh', 'http'] as const) {
    it(`${channel}: pushes twice in a row end promptly; a bad push is refused as through hg; the next push does not see it`, async () => {
      const { s, env, dest, args, calls, runtime } = await setup(channel);
      await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
      // the first push starts chg's server, the second finds it warm: neither waits for it
      expect((await pushWithin(s.work, dest, env, args)).exitCode).toBe(0);
      expect(existsSync(calls)).toBe(true);
      expect(sockets(runtime).length).toBeGreaterThan(0);
      await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-2: the second change');
      expect((await pushWithin(s.work, dest, env, args)).exitCode).toBe(0);

      // a bad changeset: the same refusal through chg as through plain hg
      const bad = await commit(s.work, { 'src/a.ts': 'c' }, 'bad message');
      const viaChg = await pushWithin(s.work, dest, env, args);
      setCommand(s.central, 'hg');
      const viaHg = await pushWithin(s.work, dest, env, args);
      expect(viaChg.exitCode).not.toBe(0);
      expect(viaHg.exitCode).not.toBe(0);
      expect(taskgateLines(viaChg.all)).toContain('taskgate: push rejected: 1 violation in 1 of 1 changeset');
      expect(taskgateLines(viaChg.all)).toEqual(taskgateLines(viaHg.all));

      // rolled back: the next push (from a clone without it) is read without the refused changeset
      setCommand(s.central, join(s.dir, 'bin', 'chg'));
      const work2 = await makeClone(s.dir, s.central, 'work2');
      const good = await commit(work2, { 'src/b.ts': 'b' }, 'OPS-3: the third change');
      const r = await pushWithin(work2, dest, env, args);
      expect(r.exitCode, r.all).toBe(0);
      const audit = lastAudit(s.central);
      expect(audit.event).toBe('push.accepted');
      expect(audit.data).toMatchObject({ changesets: 1, heads: [good], node: good, nodeLast: good });
      const jobs = await jobsOf(s.central);
      expect(jobs.filter((j) => j.rev === good).map((j) => j.task)).toEqual(['build']);
      expect(jobs.some((j) => j.rev === bad)).toBe(false);
      // chg's client read the first push and started the server; every later read through chg went
      // to that server over the gate's own session (hg/chg-session.ts), so the client ran no more,
      // and plain hg, which runs only after chg failed, never did
      const log = readFileSync(calls, 'utf8').split('\n');
      expect(log.filter((l) => l.includes('taskgate-read')).length).toBe(1);
      expect(log.filter((l) => l.startsWith('exit ')).every((l) => l === 'exit 0')).toBe(true);
      const judged = readFileSync(join(s.central, '.hg', 'taskgate', 'audit.jsonl'), 'utf8').match(/"push\.(accepted|rejected)"/g);
      expect(judged?.length).toBe(5);
    });
  }

  it('hg.command "hg" starts no chg; a chg that fails is replaced by plain hg with the same verdict', async () => {
    const { s, env, dest, args, calls, runtime } = await setup('local');
    setCommand(s.central, 'hg');
    await commit(s.work, { 'tasks.json': MANIFEST, 'src/a.ts': 'a' }, 'OPS-1: the first change');
    expect((await pushWithin(s.work, dest, env, args)).exitCode).toBe(0);
    expect(existsSync(calls)).toBe(false);
    expect(sockets(runtime)).toEqual([]);
    // a chg that cannot start its server
    const broken = executable(
      join(s.dir, 'bin', 'broken-chg'),
      `#!/bin/sh\necho "$*" >> ${calls}\necho "chg: abort: no server" >&2\nexit 255\n`,
    );
    const renamed = join(s.dir, 'bin2');
    mkdirSync(renamed);
    executable(join(renamed, 'chg'), readFileSync(broken, 'utf8'));
    setCommand(s.central, join(renamed, 'chg'));
    await commit(s.work, { 'src/a.ts': 'b' }, 'OPS-2: the second change');
    const ok = await pushWithin(s.work, dest, env, args);
    expect(ok.exitCode, ok.all).toBe(0);
    expect(readFileSync(calls, 'utf8')).toContain('taskgate-read');
    await commit(s.work, { 'src/a.ts': 'c' }, 'bad message');
    const refused = await pushWithin(s.work, dest, env, args);
    expect(refused.exitCode).not.toBe(0);
    expect(refused.all).toContain('"bad message" does not match');
  });
});
