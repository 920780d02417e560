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

/** A server must take the request within this (it says so at once): a stalled one holds no push up. */
const TAKEN_MAX_MS = 2000;
/** Then its answer: beyond the longest `gate.timeout` (24 h), the hook runs itself (every wait has a bound). */
const ANSWER_MAX_MS = 25 * 60 * 60 * 1000;

/** Whether this hook may be served: not when turned off, nor for the build's training runs (dist/load-bundle.cjs). */
function servable(env: NodeJS.ProcessEnv): boolean {
  return env['TASKGATE_HOOK_SERVER'] !== 'off' && env['TASKGATE_TRAIN_CACHE'] === undefined;
}

/**
 * Sends this hook process's request (arguments, environment, folder, umask) to the server of
 * `dist`, passes its words on to the pusher with its exit code, and resolves with that code. Anything
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
    let timer = setTimeout(() => done({ code: null, start: false }), TAKEN_MAX_MS);
    // a refused connection is a server gone: its socket stayed behind
    socket.on('error', (error: NodeJS.ErrnoException) => done({ code: null, start: error.code === 'ECONNREFUSED' }));
    socket.on('close', () => done({ code: null, start: false }));
    // the pusher's text is held until the code: half an answer shows nothing the hook's own run would contradict
    const text: string[] = [];
    const onAnswer = (answer: HookAnswer | null): boolean => {
      if (answer !== null && 'taken' in answer) {
        clearTimeout(timer);
        timer = setTimeout(() => done({ code: null, start: false }), ANSWER_MAX_MS);
      } else if (answer !== null && 'w' in answer && typeof answer.w === 'string') text.push(answer.w);
      else if (answer !== null && 'code' in answer && exitCode(answer.code)) {
        writeStderr(text.join(''));
        done({ code: answer.code, start: false });
      } else done({ code: null, start: answer !== null && 'stale' in answer });
      return settled;
    };
    let rest = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const line of lines) if (onAnswer(parseAnswer(line))) return;
    });
    const request = { v: 1, hook, dist, argv: process.argv.slice(2), env, cwd: process.cwd(), umask: process.umask() };
    socket.write(`${JSON.stringify(request)}\n`);
  });
}

/** An exit status a process can have (256 would exit 0): anything else is no answer. */
const exitCode = (code: unknown): code is number => Number.isInteger(code) && (code as number) >= 0 && (code as number) <= 255;

function parseAnswer(line: string): HookAnswer | null {
  try {
    const answer = JSON.parse(line) as HookAnswer | null;
    return answer !== null && typeof answer === 'object' ? answer : null;
  } catch {
    return null;
  }
}

/**
 * What the server's own environment keeps of the hook's: where it runs and how node starts (each
 * request brings its whole environment; node reads NODE_EXTRA_CA_CERTS only when it starts).
 */
const SERVER_ENV = new Set(['PATH', 'HOME', 'USER', 'LOGNAME', 'LANG', 'TZ', 'TMPDIR', 'XDG_RUNTIME_DIR', 'NODE_EXTRA_CA_CERTS']);

/**
 * Starts the server of `dist` for the hooks to come, detached: its own session, no standard
 * input or output (nothing of the pusher's channel), at `/`, and with none of this push's
 * variables (each request brings its own environment).
 */
export async function startHookServer(dist: string): Promise<void> {
  const env = process.env;
  if (!servable(env)) return;
  const path = hookServerSocket(dist, env);
  if (path === null) return;
  const { spawn } = await import('node:child_process');
  const own = Object.fromEntries(Object.entries(env).filter(([k]) => SERVER_ENV.has(k) || k.startsWith('LC_')));
  try {
    spawn(process.execPath, [join(dist, 'hook-server.cjs'), path], { detached: true, stdio: 'ignore', cwd: '/', env: own }).unref();
  } catch {
    // no server: the next hook runs in its own process again
  }
}
