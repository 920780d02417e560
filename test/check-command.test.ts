// `taskgate check` judges existing changesets with the push's report and exit codes; the gate's hook run by hand says it is not in a hook.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { GATE_HOOK, TASKGATE, baseEnv, commit, hgOk } from './helpers/hg-fixture.js';
import { examplePolicy } from './helpers/policy.js';
import { scenario } from './helpers/scenario.js';

function taskgate(cwd: string, args: string[], env: Record<string, string> = {}) {
  return execa(TASKGATE, args, { cwd, env: baseEnv(env), extendEnv: false, reject: false });
}

describe('taskgate check', () => {
  it('judges existing changesets with the same report, exit 1 on violations', async () => {
    const s = await scenario(examplePolicy());
    const bad = await commit(s.work, { 'deploy/prod/app.yaml': 'x' }, 'fix stuff', { user: 'Bob <bob@acme.test>' });
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`, '-r', 'all()', '--user', 'bob']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('taskgate: 2 violations in 1 of 1 changeset');
    expect(r.stdout).toContain(`${bad.slice(0, 12)}  message    "fix stuff" does not match`);
    expect(r.stdout).toContain('bob may not change deploy/prod/app.yaml (denied to *)');
  });

  it('passes clean history with exit 0, and prints JSON with --json', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'src/a.ts': 'x' }, 'OPS-1: a proper change', { user: 'Bob <bob@acme.test>' });
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`, '-r', '.', '--user', 'bob', '--json']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, changesets: 1, pusher: 'bob', violations: [] });
  });

  it('checks the draft changesets by default, from the central repository with -R', async () => {
    const s = await scenario(examplePolicy());
    await commit(s.work, { 'src/a.ts': 'x' }, 'no key here', { user: 'Bob <bob@acme.test>' });
    await hgOk(s.work, ['phase', '--draft', '--force', '.']);
    const r = await taskgate(s.dir, ['check', '-R', s.work, '--config', `${s.central}/.hg/taskgate.json`, '--user', 'bob']);
    expect(r.exitCode).toBe(1);
    expect(r.stdout).toContain('"no key here" does not match');
  });

  it('bad usage and bad configuration exit 2 with error[...] and a hint', async () => {
    const s = await scenario(examplePolicy());
    const r = await taskgate(s.work, ['check', '--bogus']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^error\[ERR_USAGE\]: taskgate check: Unknown option '--bogus'/);
    expect(r.stderr).toContain('  hint: usage: taskgate check');
    const missing = await taskgate(s.work, ['check', '--config', '/nonexistent/taskgate.json']);
    expect(missing.exitCode).toBe(2);
    expect(missing.stderr).toContain('error[ERR_CONFIG_MISSING]');
    const json = await taskgate(s.work, ['check', '--config', '/nonexistent/taskgate.json', '--json']);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, error: { code: 'ERR_CONFIG_MISSING' } });
  });

  it('a revset hg cannot read is a usage error: exit 2', async () => {
    const s = await scenario(examplePolicy());
    const r = await taskgate(s.work, ['check', '--config', `${s.central}/.hg/taskgate.json`, '-r', 'nosuchrev(']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error[ERR_USAGE]: hg cannot read the revset (nosuchrev()');
  });

  it('outside a repository: exit 3', async () => {
    const r = await taskgate('/', ['check']);
    expect(r.exitCode).toBe(3);
    expect(r.stderr).toContain('error[ERR_REPO_NOT_FOUND]');
  });
});

describe('the hook outside a hook', () => {
  it('says so and exits 2', async () => {
    const r = await execa(GATE_HOOK, [], { env: baseEnv(), extendEnv: false, reject: false });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('error[ERR_NOT_IN_HOOK]');
    expect(r.stderr).toContain('hint: register it');
  });
});
