// The CLI on a real pseudo-terminal: progress and colour for check, doctor and reconcile; NO_COLOR drops the colour, a pipe gets neither.
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { TASKGATE, baseEnv, commit } from './helpers/hg-fixture.js';
import { expectAccepted, scenario } from './helpers/scenario.js';

/* eslint-disable no-control-regex -- these tests look for the terminal's escape sequences in the output */

/** Runs the CLI inside a pseudo-terminal (util-linux `script`), as a person at a terminal would. */
async function onTerminal(cwd: string, args: string[], env: Record<string, string> = {}) {
  const command = [TASKGATE, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' ');
  return execa('script', ['-qec', command, '/dev/null'], { cwd, env: baseEnv({ TERM: 'xterm', ...env }), extendEnv: false, reject: false });
}

describe('on a terminal: progress and colour', () => {
  it('check shows its progress and colours the verdict; NO_COLOR keeps the progress and drops the colour; a pipe gets neither', async () => {
    const s = await scenario({ policy: { rules: [] } });
    for (let i = 0; i < 3; i++) await commit(s.work, { [`f${i}.txt`]: String(i) }, `change ${i}`);
    const tty = await onTerminal(s.work, ['check', '-r', 'all()', '--config', `${s.central}/.hg/taskgate.json`]);
    expect(tty.exitCode, tty.stdout).toBe(0);
    expect(tty.stdout).toContain('\r\x1b[Ktaskgate: reading changesets');
    expect(tty.stdout).toContain('\x1b[32m3 changesets pass the policy\x1b[0m');
    const plain = await onTerminal(s.work, ['check', '-r', 'all()', '--config', `${s.central}/.hg/taskgate.json`], { NO_COLOR: '1' });
    expect(plain.stdout).toContain('taskgate: reading changesets');
    expect(plain.stdout).not.toContain('\x1b[32m');
    const piped = await execa(TASKGATE, ['check', '-r', 'all()', '--config', `${s.central}/.hg/taskgate.json`], {
      cwd: s.work,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      all: true,
    });
    expect(piped.all).toBe('taskgate: 3 changesets pass the policy (as alice)');
  });

  it('doctor colours ok, warn and fail on a terminal only', async () => {
    const s = await scenario({ policy: { rules: [] } }, { trigger: true });
    const tty = await onTerminal(s.dir, ['doctor', s.central]);
    expect(tty.stdout).toMatch(/\x1b\[32mok {2}\x1b\[0m {2}mercurial/);
    expect(tty.stdout).toMatch(/\x1b\[33mwarn\x1b\[0m {2}manifest/);
    const piped = await execa(TASKGATE, ['doctor', s.central], { env: baseEnv(), extendEnv: false, reject: false });
    expect(piped.stdout).not.toContain('\x1b[');
  });

  it('reconcile shows what it is doing on a terminal, and clears the line', async () => {
    const s = await scenario({ repo: { id: 'acme/app' }, policy: { rules: [] } });
    // pushed with the gate only: the changesets wait for reconcile
    await commit(s.work, { 'tasks.json': JSON.stringify({ version: 1, tasks: { build: { inputs: ['**'], run: 'true' } } }) }, 'tasks');
    await expectAccepted(s);
    expect((await execa(TASKGATE, ['keys', 'init', '-R', s.central], { env: baseEnv(), extendEnv: false })).exitCode).toBe(0);
    const tty = await onTerminal(s.dir, ['reconcile', '-R', s.central]);
    expect(tty.exitCode, tty.stdout).toBe(0);
    expect(tty.stdout).toContain('\r\x1b[Ktaskgate: draining the outbox');
    expect(tty.stdout).toContain('\r\x1b[Ktaskgate: reading unprocessed changesets: 1');
    expect(tty.stdout).toContain('\r\x1b[Ktaskgate: enqueueing 1 jobs for 1 head');
    expect(tty.stdout).toContain('\r\x1b[Ktaskgate: minting queued tokens');
    // the line is cleared before the summary
    expect(tty.stdout).toMatch(/\r\x1b\[Koutbox: 0 batches drained/);
    // a configuration error is found at load, before any progress: the error starts the output, on a clean line
    const unnamed = await scenario({ policy: { rules: [] } });
    const failed = await onTerminal(unnamed.dir, ['reconcile', '-R', unnamed.central]);
    expect(failed.exitCode).toBe(2);
    expect(failed.stdout).toMatch(/^error\[ERR_CONFIG_INVALID\]: configuration .* has no repo\.id/);
    expect(failed.stdout).not.toContain('draining the outbox');
  });
});
