// The hooks' side of the hook server: hand the hook to a warm server, or say that it must run here.
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { writeStderr } from '../log/write-stderr.js';
import { hookServerSocket, type HookAnswer, type ServedHook } from './protocol.js';

/** What became of the request: the hook's exit code, or null (run it here) and whether to start a server. */
export interface Served {
  code: number | null;
  start: boolean;
}

/** A server that has not answered by then is given up on, and the hook runs here (DESIGN §13: every wait has a bound). */
const ANSWER_MAX_MS = 30 * 60 * 1000;

/** Whether this hook may be served: not when turned off, nor for the build's training runs (dist/load-bundle.cjs). */
function servable(env: NodeJS.ProcessEnv): boolean {
  return env['TASKGATE_HOOK_SERVER'] !== 'off' && env['TASKGATE_TRAIN_CACHE'] === undefined;
}

/**
 * Sends this hook process's request (arguments, environment, folder, umask) to the server of
 * `dist`, relays its words to the pusher as they come, and resolves with its exit code. Anything
 * short of a complete answer resolves with null: the hook then runs in its own process, which
 * is what a push without a server does (a hook is never judged by half an answer).
 */
export function callHookServer(hook: ServedHook, dist: string): Promise<Served> {
  const env = process.env;
  if (!servable(env)) return Promise.resolve({ code: null, start: false });
  const path = hookServerSocket(dist, env);
  if (path === null) return Promise.resolve({ code: null, start: false });
  if (!existsSync(path)) return Promise.resolve({ code: null, start: true });
  return new Promise((resolve) => {
    const socket = connect(path);
    let settled = false;
    const done = (served: Served) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(served);
    };
    const timer = setTimeout(() => done({ code: null, start: false }), ANSWER_MAX_MS);
    // a refused connection is a server gone: its socket stayed behind
    socket.on('error', (error: NodeJS.ErrnoException) => done({ code: null, start: error.code === 'ECONNREFUSED' }));
    socket.on('close', () => done({ code: null, start: false }));
    let rest = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) {
        const answer = parseAnswer(line);
        if (answer === null) return done({ code: null, start: false });
        if ('w' in answer) writeStderr(String(answer.w));
        else if ('code' in answer && Number.isInteger(answer.code)) return done({ code: answer.code, start: false });
        else return done({ code: null, start: 'stale' in answer });
      }
    });
    const request = { v: 1, hook, dist, argv: process.argv.slice(2), env, cwd: process.cwd(), umask: process.umask() };
    socket.write(`${JSON.stringify(request)}\n`);
  });
}

function parseAnswer(line: string): HookAnswer | null {
  try {
    const answer = JSON.parse(line) as HookAnswer | null;
    return answer !== null && typeof answer === 'object' ? answer : null;
  } catch {
    return null;
  }
}

/**
 * Starts the server of `dist` for the hooks to come, detached: its own session, no standard
 * input or output (nothing of the pusher's channel), at `/`, and with none of this push's
 * `HG_*` variables (each request brings its own environment).
 */
export async function startHookServer(dist: string): Promise<void> {
  const env = process.env;
  if (!servable(env)) return;
  const path = hookServerSocket(dist, env);
  if (path === null) return;
  const { spawn } = await import('node:child_process');
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('HG_') && !k.startsWith('TASKGATE_TEST_')));
  try {
    spawn(process.execPath, [join(dist, 'hook-server.cjs'), path], { detached: true, stdio: 'ignore', cwd: '/', env: own }).unref();
  } catch {
    // no server: the next hook runs in its own process again
  }
}
