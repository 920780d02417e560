// The error table is complete, and errors at the command line and in the hooks are usage errors or misplaced hooks, with hints, not bugs.
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ERRORS, exitCodeOf, httpStatusOf } from '../src/errors/error-codes.js';
import { TaskgateError } from '../src/errors/taskgate-error.js';
import { runHg } from '../src/hg/run-hg.js';
import { GATE_HOOK, TRIGGER_HOOK, centralLog, commit, push, taskgate } from './helpers/hg-fixture.js';
import { scenario, type Scenario } from './helpers/scenario.js';

/** A central repository whose hgrc registers exactly these hooks (and nothing else). */
async function withHooks(hooks: string): Promise<Scenario> {
  const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } }, { keys: true });
  writeFileSync(join(s.central, '.hg', 'hgrc'), `[hooks]\n${hooks}\n`);
  await commit(s.work, { 'src/a.ts': 'a' }, 'first');
  return s;
}

describe('the error table', () => {
  it('gives every code a summary, a non-zero exit code and an HTTP status; an unreachable store is 503, a bad request 400', () => {
    for (const [code, e] of Object.entries(ERRORS)) {
      expect(e.summary.length, code).toBeGreaterThan(10);
      expect([1, 2, 3], code).toContain(e.exit);
      expect(e.http, code).toBeGreaterThanOrEqual(400);
    }
    expect(httpStatusOf('ERR_STORE_UNAVAILABLE')).toBe(503);
    expect(httpStatusOf('ERR_USAGE')).toBe(400);
    expect(httpStatusOf('ERR_TOKEN_INVALID')).toBe(401);
    expect(httpStatusOf('ERR_JOB_NOT_FOUND')).toBe(404);
    expect(httpStatusOf('ERR_INTERNAL')).toBe(500);
    expect(exitCodeOf('ERR_CONFIG_INVALID')).toBe(2);
    expect(exitCodeOf('ERR_HG_MISSING')).toBe(3);
    expect(exitCodeOf('ERR_STORE_UNAVAILABLE')).toBe(3);
    expect(exitCodeOf('ERR_AUDIT_BROKEN')).toBe(1);
  });
});

describe('errors at the command line', () => {
  it('`taskgate affected -r` with a revset hg cannot read is a usage error: exit 2, as `check` says', async () => {
    const s = await withHooks('');
    const r = await taskgate(s.central, ['affected', '-r', 'bad(']);
    expect(r.exitCode, r.stderr).toBe(2);
    expect(r.stderr).toContain('error[ERR_USAGE]: hg cannot read the revset (bad()');
    expect(r.stderr).toContain('hint: see `hg help revsets`');
  });

  it('an hg failure names the hg subcommand that failed, not a global option, and keeps the cause', async () => {
    const s = await withHooks('');
    // a repository this hg cannot open: real hg refuses it
    appendFileSync(join(s.central, '.hg', 'requires'), 'taskgate-test-unknown-feature\n');
    const r = await taskgate(s.central, ['affected', '-r', 'tip']);
    expect(r.exitCode, r.stderr).toBe(3);
    expect(r.stderr).toContain('error[ERR_HG_FAILED]: `hg taskgate-read` failed');
    expect(r.stderr).not.toContain('`hg --config`');
    const error: unknown = await runHg(['--config', 'ui.quiet=1', 'log', '-r', 'tip'], { cwd: s.central }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskgateError);
    expect((error as TaskgateError).message).toMatch(/^`hg log` failed in /);
    expect((error as TaskgateError).cause).toMatchObject({ exitCode: 255 });
  });
});

describe('errors in the hooks', () => {
  it('the changegroup hook given an unknown argument says it is a usage error, with a hint, not a bug', async () => {
    const s = await withHooks(`pretxnchangegroup.taskgate = ${GATE_HOOK}\nchangegroup.taskgate = ${TRIGGER_HOOK} --bogus`);
    const r = await pushTo(s);
    expect(r.all).toContain('taskgate: error[ERR_USAGE]: bad arguments for the changegroup hook');
    expect(r.all).toContain('hint: the hook takes only --config PATH');
    expect(r.all).not.toContain('ERR_INTERNAL');
    expect(r.all).toMatch(/changegroup\.taskgate hook exited with status 2/);
  });

  it('the gate registered as a changegroup hook (where it could reject nothing) refuses to run and says where it belongs', async () => {
    const s = await withHooks(`changegroup.taskgate = ${GATE_HOOK}`);
    const r = await pushTo(s);
    expect(r.all).toContain("error[ERR_HOOK_ENV]: this is taskgate's pretxnchangegroup hook and Mercurial runs it as a changegroup hook");
    expect(r.all).toContain(`hint: register it in hgrc as [hooks] pretxnchangegroup.taskgate = `);
    expect(r.all).toMatch(/changegroup\.taskgate hook exited with status 2/);
  });

  it('the trigger registered as a pretxnchangegroup hook refuses, so the push is not queued before it is final', async () => {
    const s = await withHooks(`pretxnchangegroup.taskgate = ${TRIGGER_HOOK}`);
    const before = await centralLog(s.central);
    const r = await pushTo(s);
    expect(r.exitCode).not.toBe(0);
    expect(r.all).toContain("error[ERR_HOOK_ENV]: this is taskgate's changegroup hook and Mercurial runs it as a pretxnchangegroup hook");
    expect(r.all).toContain('hint: register it in hgrc as [hooks] changegroup.taskgate = ');
    expect(await centralLog(s.central)).toBe(before);
  });
});

function pushTo(s: Scenario) {
  return push(s.work, s.central);
}
