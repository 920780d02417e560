// Servers for the channel tests: `hg serve`, hgweb behind a wrapper that sets REMOTE_USER, `taskgate serve`, and a dummy ssh.
import { execa, type ResultPromise } from 'execa';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { HELPERS, TASKGATE, baseEnv } from './hg-fixture.js';

const running: ResultPromise[] = [];
afterAll(() => {
  for (const p of running) p.kill('SIGTERM');
});

async function firstLine(proc: ResultPromise, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 20_000);
    proc.stdout!.on('data', (chunk: Buffer) => {
      seen += chunk.toString();
      const m = pattern.exec(seen);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    proc.catch((e) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

/** `hg serve` on 127.0.0.1: anonymous http pushes (`env`: what its hooks inherit). Returns the base URL. */
export async function hgServe(repo: string, env: Record<string, string | undefined> = {}): Promise<string> {
  const proc = execa(
    'hg',
    ['serve', '-R', repo, '-a', '127.0.0.1', '-p', '0', '--config', 'web.push_ssl=false', '--config', 'web.allow-push=*'],
    { env: baseEnv(env), extendEnv: false, reject: false },
  );
  running.push(proc);
  const m = await firstLine(proc, /listening at (http:\/\/[^\s]+?)\/? \(bound/);
  return m[1]!.replace('localhost', '127.0.0.1');
}

/** hgweb (a repository, or an application in a .wsgi file) behind a WSGI wrapper that authenticates and sets REMOTE_USER. Returns host:port. */
export async function hgwebWithRemoteUser(repo: string): Promise<string> {
  // Debian's hg runs on the system python3, which is where its modules are
  const proc = execa('/usr/bin/python3', [join(HELPERS, 'hgweb-remote-user.py'), repo], {
    env: baseEnv(),
    extendEnv: false,
    reject: false,
  });
  running.push(proc);
  const m = await firstLine(proc, /^(\d+)\s*$/m);
  return `127.0.0.1:${m[1]}`;
}

/** `taskgate serve` for a repository on a free port of 127.0.0.1. Returns its URL. */
export async function taskgateServe(repo: string): Promise<string> {
  const proc = execa(TASKGATE, ['serve', '-R', repo, '--port', '0'], { env: baseEnv(), extendEnv: false, reject: false });
  running.push(proc);
  return (await firstLine(proc, /listening on (https?:\/\/\S+)/))[1]!;
}

export const DUMMY_SSH = `/bin/sh ${join(HELPERS, 'dummy-ssh')}`;
