// The gate's own session with chg's server (hg/chg-session.ts): the same answer as hg, and anything doubtful handed back to chg's client.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { ChgSession } from '../src/hg/chg-session.js';
import { hgCommand, hgEnv } from '../src/hg/hg-command.js';
import { streamHgLines } from '../src/hg/run-hg.js';
import { ROOT, baseEnv, commit, hgOk, tempDir } from './helpers/hg-fixture.js';

const CHG = '/usr/bin/chg';

interface Repo {
  repo: string;
  env: NodeJS.ProcessEnv;
  /** The reader's `--config` options, pointing at a copy of the extension this test may touch. */
  config: string[];
  socket: string;
}

/** A repository with two changesets, a private socket folder, and chg's server started by chg's own client. */
async function setup(): Promise<Repo> {
  const dir = tempDir('tg-session-');
  const repo = join(dir, 'repo');
  await hgOk(dir, ['init', repo]);
  await commit(repo, { 'a.txt': 'one\n' }, 'OPS-1: one');
  await commit(repo, { 'b.txt': 'two\n' }, 'OPS-2: two');
  const runtime = join(dir, 'run');
  mkdirSync(runtime);
  chmodSync(runtime, 0o700);
  const ext = join(dir, 'taskgate_read.py');
  copyFileSync(join(ROOT, 'src', 'hg', 'taskgate_read.py'), ext);
  const config = ['--config', `extensions.taskgate_read=${ext}`];
  const env = { ...baseEnv({ XDG_RUNTIME_DIR: runtime }) };
  const command = hgCommand(env, config);
  const socket = command.env['CHGSOCKNAME']!;
  // chg's client starts the server (and leaves it running for the session)
  await execa(CHG, [...command.args, ...config, 'taskgate-read', '-r', '0'], {
    cwd: repo,
    env: { ...hgEnv(env), ...command.env },
    extendEnv: false,
  });
  expect(existsSync(socket)).toBe(true);
  return { repo, env, config: [...command.args, ...config], socket };
}

/** The session's answer to `args` (after the reader's options), with its output. */
async function viaSession(r: Repo, args: string[], env: NodeJS.ProcessEnv = r.env, stopAt = 0) {
  const session = new ChgSession(r.socket, r.repo, hgEnv(env), r.config);
  let out = '';
  let lines = 0;
  const result = await session.run([...r.config, ...args], (chunk, stop) => {
    out += chunk;
    lines += chunk.split('\n').length - 1;
    if (stopAt > 0 && lines >= stopAt) stop();
  });
  return { result, out };
}

describe.skipIf(!existsSync(CHG))("the gate's chg session", () => {
  it("answers as plain hg does, hg's failures included", async () => {
    const r = await setup();
    const args = ['taskgate-read', '-r', '0:1', '--heads', '--branch-bases'];
    const plain = await hgOk(r.repo, [...r.config.slice(2), ...args]);
    const { result, out } = await viaSession(r, args);
    expect(result).toEqual({ exitCode: 0, stderr: '' });
    expect(out.trim()).toBe(plain.trim());
    // hg's own failure comes back as its exit code and message
    const bad = await viaSession(r, ['taskgate-read', '-r', 'nosuchrev']);
    expect(bad.result?.exitCode).not.toBe(0);
    expect(bad.result?.stderr).toMatch(/unknown revision/);
  });

  it('hands back to chg (null) when the server is stale, configured otherwise, gone, or asked for other options', async () => {
    const r = await setup();
    const args = ['taskgate-read', '-r', '0'];
    // another environment hg's configuration depends on: the server says "redirect", which is chg's to follow
    expect((await viaSession(r, args, { ...r.env, HGRCPATH: '/dev/null' })).result).toBeNull();
    // options the session was not opened with
    const other = new ChgSession(r.socket, r.repo, hgEnv(r.env), r.config);
    expect(await other.run(['--config', 'extensions.other=x', 'log'], () => undefined)).toBeNull();
    // the reader extension changed since the server loaded it: the server says "unlink", chg starts a new one
    const ext = r.config.at(-1)!.replace('extensions.taskgate_read=', '');
    writeFileSync(ext, `# changed\n${readFileSync(ext, 'utf8')}`);
    utimesSync(ext, new Date(), new Date(Date.now() + 5000));
    expect((await viaSession(r, args)).result).toBeNull();
    // no server at all
    const gone = new ChgSession(join(r.socket, '..', 'nothing-here'), r.repo, hgEnv(r.env), r.config);
    expect(await gone.run([...r.config, ...args], () => undefined)).toBeNull();
  });

  it('a read the caller stops ends the session; streamHgLines falls back to chg when the session cannot serve', async () => {
    const r = await setup();
    const stopped = await viaSession(r, ['taskgate-read', '-r', '0:1'], r.env, 1);
    expect(stopped.result).toBeNull();
    // a session the server refuses (opened with another configuration): the lines come from chg's client instead, all of them, once
    const refused = new ChgSession(r.socket, r.repo, hgEnv({ ...r.env, HGRCPATH: '/dev/null' }), r.config);
    const lines: string[] = [];
    const args = [...r.config.slice(2), 'taskgate-read', '-r', '0:1'];
    await streamHgLines(args, { cwd: r.repo, env: r.env, session: refused }, (l) => lines.push(l));
    expect(lines.filter((l) => l.includes('"t":"cs"')).length).toBe(2);
    expect(lines.at(-1)).toContain('"t":"end"');
  });
});
