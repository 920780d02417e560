// The hg fixtures every test builds on: a clean hg environment, central repositories with taskgate installed, clones, commits, pushes, the CLI.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { afterAll } from 'vitest';

export const ROOT = join(import.meta.dirname, '..', '..');
export const GATE_HOOK = join(ROOT, 'hooks', 'pretxnchangegroup');
export const TRIGGER_HOOK = join(ROOT, 'hooks', 'changegroup');
export const REFS_HOOK = join(ROOT, 'hooks', 'pretxnclose');
export const BOOKMARK_HOOK = join(ROOT, 'hooks', 'txnclose-bookmark');
export const TASKGATE = join(ROOT, 'bin', 'taskgate');
export const HELPERS = join(ROOT, 'test', 'helpers');

/** A clean hg environment: no user or system hgrc, a fixed default user. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '/usr/bin:/bin',
    HOME: process.env['HOME'] ?? '/tmp',
    HGRCPATH: join(HELPERS, 'test-hgrc'),
    HGPLAIN: '1',
    HGUSER: 'Alice <alice@acme.test>',
    LOGNAME: 'alice',
    USER: 'alice',
    LANG: 'C.UTF-8',
  };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

const dirs: string[] = [];
afterAll(() => {
  if (process.env['TASKGATE_KEEP_TMP']) return;
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

export function tempDir(prefix = 'tg-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function hg(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return execa('hg', args, { cwd, env: baseEnv(env), extendEnv: false, reject: false, all: true, stdin: 'ignore' });
}

/** hg that must succeed. */
export async function hgOk(cwd: string, args: string[], env: Record<string, string | undefined> = {}): Promise<string> {
  const r = await hg(cwd, args, env);
  if (r.exitCode !== 0) throw new Error(`hg ${args.join(' ')} failed (${r.exitCode}):\n${r.all}`);
  return r.stdout;
}

export interface CentralOptions {
  config: Record<string, unknown>;
  hgrc?: string;
  /** Install the changegroup hook too, and create a signing key. */
  trigger?: boolean;
  /** Create the signing key (default: with the trigger); false where hosts share one key file. */
  keys?: boolean;
  /** The folder's name under `dir` (default: central). */
  name?: string;
  /** Install the pretxnclose hook (default: yes, as `taskgate install` does). */
  refs?: boolean;
  /** Extra files to place under .hg/ (e.g. a base config for `extends`). */
  files?: Record<string, string>;
}

/** A central repository with the gate installed and a taskgate.json. */
export async function makeCentral(dir: string, options: CentralOptions): Promise<string> {
  const central = join(dir, options.name ?? 'central');
  await hgOk(dir, ['init', central]);
  const trigger = options.trigger ? `changegroup.taskgate = ${TRIGGER_HOOK}\ntxnclose-bookmark.taskgate = ${BOOKMARK_HOOK}\n` : '';
  const refs = options.refs === false ? '' : `pretxnclose.taskgate = ${REFS_HOOK}\n`;
  writeFileSync(join(central, '.hg', 'hgrc'), `[hooks]\npretxnchangegroup.taskgate = ${GATE_HOOK}\n${refs}${trigger}${options.hgrc ?? ''}`);
  writeFileSync(join(central, '.hg', 'taskgate.json'), JSON.stringify(options.config, null, 2));
  if (options.keys ?? options.trigger) {
    const r = await execa(TASKGATE, ['keys', 'init', '-R', central], { env: baseEnv(), extendEnv: false, reject: false });
    if (r.exitCode !== 0) throw new Error(`keys init failed: ${r.stderr}`);
  }
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(dirname(join(central, '.hg', name)), { recursive: true });
    writeFileSync(join(central, '.hg', name), content);
  }
  return central;
}

/** A working clone of `central` (cloned before the hook matters: an empty or existing history). */
export async function makeClone(dir: string, central: string, name = 'work'): Promise<string> {
  const work = join(dir, name);
  await hgOk(dir, ['clone', '-q', central, work]);
  return work;
}

/** Writes files (path -> content; null deletes) and commits them. Returns the new node. */
export async function commit(
  work: string,
  files: Record<string, string | Buffer | null>,
  message: string,
  options: { user?: string; branch?: string; addremove?: boolean; env?: Record<string, string> } = {},
): Promise<string> {
  if (options.branch) await hgOk(work, ['branch', '-f', '-q', options.branch]);
  for (const [path, content] of Object.entries(files)) {
    const full = join(work, path);
    if (content === null) {
      await hgOk(work, ['rm', '-q', full]);
      continue;
    }
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
  }
  await hgOk(work, ['commit', '-q', '-A', '-m', message, '-u', options.user ?? 'Alice <alice@acme.test>'], options.env ?? {});
  return (await hgOk(work, ['log', '-r', '.', '-T', '{node}'])).trim();
}

export async function push(work: string, dest: string, env: Record<string, string | undefined> = {}, extraArgs: string[] = []) {
  return hg(work, ['push', '-f', ...extraArgs, dest], env);
}

export async function centralLog(central: string): Promise<string> {
  return hgOk(central, ['log', '-T', '{node}\n']);
}

export function executable(path: string, content: string): string {
  writeFileSync(path, content);
  chmodSync(path, 0o755);
  return path;
}

/** Runs the taskgate CLI. */
export async function taskgate(cwd: string, args: string[], env: Record<string, string | undefined> = {}) {
  return execa(TASKGATE, args, { cwd, env: baseEnv(env), extendEnv: false, reject: false });
}

/** The jobs of a repository, through `taskgate jobs list --json`. */
export async function jobsOf(central: string): Promise<
  Array<{
    id: string;
    repo: string;
    rev: string;
    branch: string;
    task: string;
    status: string;
    requires: string[];
    reasons: unknown[];
    actor: { sub: string | null; via: string };
    tokenJti: string | null;
    push: { id: string };
  }>
> {
  const r = await taskgate(central, ['jobs', 'list', '--json']);
  if (r.exitCode !== 0) throw new Error(`jobs list failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** What a job's task printed in one attempt (its log under the central repository's .hg/taskgate/logs). */
export function taskLog(central: string, jobId: string, attempt = 1): string {
  const path = join(central, '.hg', 'taskgate', 'logs', jobId, `${attempt}.log`);
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

/**
 * Every line every task printed under `dir` (the logs of each repository or worker clone in it), each attempt
 * once: a remote worker's log is both in its clone and on the service. Lines that start with a `date +%s%N`
 * time come back in time order, without it: sandboxed tasks share no file to append to.
 */
export function taskLines(dir: string): string[] {
  const logs = new Map<string, string>();
  const walk = (d: string, depth: number): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, e.name);
      if (e.isDirectory() && e.name === 'logs' && d.endsWith(join('.hg', 'taskgate'))) {
        for (const job of readdirSync(full))
          for (const attempt of readdirSync(join(full, job)))
            if (!logs.has(`${job}/${attempt}`)) logs.set(`${job}/${attempt}`, readFileSync(join(full, job, attempt), 'utf8'));
      } else if (e.isDirectory() && depth < 4) walk(full, depth + 1);
    }
  };
  walk(dir, 0);
  const lines = [...logs.values()].flatMap((text) => text.split('\n').filter((l) => l !== ''));
  const timed = (l: string) => /^\d{19} /.test(l);
  if (!lines.every(timed)) return lines;
  return lines.sort((a, b) => (BigInt(a.slice(0, 19)) < BigInt(b.slice(0, 19)) ? -1 : 1)).map((l) => l.slice(20));
}
