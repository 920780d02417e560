// The sandbox's accounts (DESIGN §14, issue 13): tasks run as worker.runAs and never as root; a machine where bubblewrap cannot start runs nothing.
import { mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit, jobsOf, taskLog, taskgate } from '../helpers/hg-fixture.js';
import { expectAccepted, scenario, type Scenario } from '../helpers/scenario.js';

// Accounts and availability of the sandbox (DESIGN §14); these tests run as root, as the service does.

const account = `tg-task-${process.pid}`;
let created = false;

afterAll(async () => {
  if (created) await execa('userdel', [account], { reject: false });
});

async function withTask(run: string, worker: Record<string, unknown> = {}): Promise<Scenario> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] }, worker }, { trigger: true });
  await commit(
    s.work,
    { 'tasks.json': JSON.stringify({ version: 1, tasks: { a: { inputs: ['src/**'], run } } }), 'src/a.ts': 'a' },
    'tasks',
  );
  await expectAccepted(s, { LOGNAME: 'bob' });
  return s;
}

function setConfig(s: Scenario, worker: Record<string, unknown>): void {
  const path = join(s.central, '.hg', 'taskgate.json');
  const config = JSON.parse(readFileSync(path, 'utf8'));
  writeFileSync(path, JSON.stringify({ ...config, worker }));
}

describe('accounts (issue 13)', () => {
  it("a root worker runs the task as worker.runAs, inside and outside the sandbox; the files it makes are that account's", async () => {
    expect(process.getuid!()).toBe(0);
    const add = await execa('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', account], { reject: false });
    expect(add.exitCode, add.stderr).toBe(0);
    created = true;
    const uid = (await execa('id', ['-u', account])).stdout.trim();
    const gid = (await execa('id', ['-g', account])).stdout.trim();
    const s = await withTask('echo "inside $(id -u):$(id -g)"; touch made; stat -c "owner %u:%g" made src/a.ts; sleep 0.5', {
      runAs: account,
    });
    const w = execa(TASKGATE, ['worker', '-R', s.central, '--once'], { env: baseEnv(), extendEnv: false, reject: false, all: true });
    // seen from the host while it runs: the task's processes belong to the account
    let outside = '';
    for (let i = 0; i < 100 && outside === ''; i++) {
      outside = (await execa('pgrep', ['-u', account, '-f', 'sleep 0.5'], { reject: false })).stdout.trim();
      if (outside === '') await new Promise((r) => setTimeout(r, 50));
    }
    const r = await w;
    expect(r.exitCode, r.all).toBe(0);
    expect(outside).not.toBe('');
    const job = (await jobsOf(s.central))[0]!;
    expect(job.status).toBe('done');
    const log = taskLog(s.central, job.id);
    expect(log).toContain(`inside ${uid}:${gid}`);
    expect(log).toContain(`owner ${uid}:${gid}`);
    expect(log).not.toContain('owner 0:');
  });

  it('a worker that is not root, with a runAs naming another account, refuses to start (exit 2)', async () => {
    const s = await withTask('true', { runAs: 'root' });
    await execa('chmod', ['-R', 'a+rwX', s.dir]);
    const r = await execa(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', TASKGATE, 'worker', '-R', s.central, '--once'],
      {
        env: baseEnv(),
        extendEnv: false,
        reject: false,
      },
    );
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('error[ERR_CONFIG_INVALID]: worker.runAs is "root", but this worker runs as nobody');
    expect((await jobsOf(s.central))[0]!.status).toBe('ready');
    // without runAs the same worker runs the task as itself, in the sandbox
    setConfig(s, {});
    const ok = await execa(
      'setpriv',
      ['--reuid=nobody', '--regid=nogroup', '--clear-groups', TASKGATE, 'worker', '-R', s.central, '--once'],
      {
        env: baseEnv(),
        extendEnv: false,
        reject: false,
      },
    );
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect((await jobsOf(s.central))[0]!.status).toBe('done');
  });

  it('root is never the task account: runAs "root" under a root worker is a configuration error', async () => {
    const s = await withTask('true', { runAs: 'root' });
    const r = await taskgate(s.central, ['worker', '--once']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('root never runs pushed code');
    expect((await jobsOf(s.central))[0]!.status).toBe('ready');
  });

  it('a machine where bubblewrap cannot start gets ERR_SANDBOX_UNAVAILABLE with a hint, runs nothing, and doctor fails', async () => {
    const s = await withTask('true');
    // a PATH with everything the worker needs except bwrap
    const bin = mkdtempSync(join(s.dir, 'bin-'));
    for (const tool of ['node', 'hg', 'python3', 'env', 'getent', 'prlimit', 'chown', 'sh'])
      symlinkSync(`/usr/bin/${tool}`, join(bin, tool));
    const r = await taskgate(s.central, ['worker', '--once'], { PATH: bin });
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('error[ERR_SANDBOX_UNAVAILABLE]: bubblewrap (bwrap) is not installed on this machine');
    expect(r.stderr).toContain('hint: install bubblewrap');
    expect((await jobsOf(s.central))[0]!.status).toBe('ready');
    const doctor = await taskgate(s.central, ['doctor'], { PATH: bin });
    expect(doctor.exitCode).not.toBe(0);
    expect(doctor.stdout).toMatch(/fail +sandbox: ERR_SANDBOX_UNAVAILABLE/);
  });

  it('doctor says which account tasks run as under bwrap, and fails on worker.sandbox "none"', async () => {
    const s = await withTask('true');
    const good = await taskgate(s.central, ['doctor']);
    expect(good.stdout).toMatch(/ok +sandbox: bubblewrap starts; tasks run as nobody/);
    setConfig(s, { sandbox: 'none' });
    const bad = await taskgate(s.central, ['doctor']);
    expect(bad.exitCode).not.toBe(0);
    expect(bad.stdout).toMatch(/fail +sandbox: worker.sandbox is "none"/);
  });
});
