// The hook server: one warm process per install and account that runs the gate and the trigger for the hooks.
import { closeSync, existsSync, openSync, renameSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Socket } from 'node:net';
import { dirname, join } from 'node:path';
import { socketAnswers } from '../hg/chg-status.js';
import { parseRequest, REQUEST_MAX, type HookAnswer, type HookRequest } from './protocol.js';

// Why it exists (DESIGN §13, docs/performance.md): a hook process pays node's start, loading its
// code and, for the gate, a fork of chg's server per read. Here the code is loaded and compiled
// once, and the gate's reads go to one chg worker kept open, which answers in a few
// milliseconds once it has answered once. Each request runs as its hook process would: its own
// arguments, environment, folder and umask, one request at a time; anything this server cannot
// finish, the hook runs itself (hook-server/client.ts).

/** Gone after this long without a request: the next push starts it again. */
const IDLE_MS = 10 * 60 * 1000;
/** A fresh process now and then: whatever one request left behind (a cache, a descriptor) is bounded. */
const REQUESTS_MAX = 1000;
/** And when what requests left behind (caches of manifests, patterns) has grown past this. */
const RSS_MAX = 512 * 1024 * 1024;
/** A server that was starting this recently is let be: a burst of first pushes starts one. */
const STARTING_MS = 60 * 1000;
/** Connections at once: one is served, the others are told `busy` (or wait to say what they want). */
const CONNECTIONS_MAX = 16;
/** A connection must say what it wants within this. */
const REQUEST_WAIT_MS = 5000;
const CHECK_MS = 30 * 1000;
/** What a rebuild or an upgrade replaces: a server of another build answers `stale` and leaves. */
const BUILD = [
  'hook-server.cjs',
  'load-bundle.cjs',
  'chg-early.cjs',
  'gate-hook.cjs',
  'trigger-hook.cjs',
  'config-validator.cjs',
  'taskgate_read.py',
];
/** The same, where it exists: `npm ci` rewrites it with the dependencies. */
const LOCK = '../package-lock.json';

interface ServeIo {
  write: (text: string) => void;
  cwd: string;
}
interface Bundles {
  gate: { serveGate(argv: string[], env: NodeJS.ProcessEnv, io: ServeIo, session: unknown): Promise<number> };
  trigger: { serveTrigger(argv: string[], env: NodeJS.ProcessEnv, io: ServeIo): Promise<number> };
  early: { nextSession(last: unknown, env: NodeJS.ProcessEnv, cwd: string): unknown };
}

/** The stamp of the build: each file's inode, size and change time (which no copy keeps); null when one is missing. */
function buildStamp(dist: string): string | null {
  const stamp = (name: string) => {
    const st = statSync(join(dist, name));
    return `${st.ino}:${st.size}:${st.ctimeMs}`;
  };
  try {
    const lock = existsSync(join(dist, LOCK)) ? stamp(LOCK) : '-';
    return [...BUILD.map(stamp), lock].join(' ');
  } catch {
    return null;
  }
}

function loadBundles(dist: string): Bundles {
  const loader = createRequire(join(dist, 'hook-server.cjs'))(join(dist, 'load-bundle.cjs')) as {
    loadBundle: (name: string) => { exports: unknown };
  };
  const load = (name: string) => loader.loadBundle(name);
  return {
    gate: load('gate-hook').exports as Bundles['gate'],
    trigger: load('trigger-hook').exports as Bundles['trigger'],
    early: load('chg-early').exports as Bundles['early'],
  };
}

/** process.env in place (so the C library's too: os.tmpdir() and the child processes follow it). */
function setEnvironment(env: Record<string, string | undefined>): void {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  Object.assign(process.env, env);
}

/** Whether another server started at `path` within STARTING_MS; if not, this one marks that it starts. */
function anotherStarting(path: string): boolean {
  const mark = `${path}.starting`;
  try {
    if (Date.now() - statSync(mark).mtimeMs < STARTING_MS) return true;
    unlinkSync(mark);
  } catch {
    // none: this one starts
  }
  try {
    closeSync(openSync(mark, 'wx', 0o600));
    return false;
  } catch {
    return true;
  }
}

const send = (socket: Socket, answer: HookAnswer) => {
  if (!socket.destroyed) socket.write(`${JSON.stringify(answer)}\n`);
};

class HookServer {
  private busy = false;
  private stopping = false;
  private served = 0;
  private last = Date.now();
  private session: unknown = null;
  private inode = -1;
  private readonly server = createServer((socket) => this.accept(socket));

  constructor(
    private readonly dist: string,
    private readonly path: string,
    private readonly stamp: string,
    private readonly bundles: Bundles,
  ) {}

  /** Listens at a name of its own, then takes `path` over at once (a socket left by a dead server too). */
  listen(): void {
    const temp = `${this.path}.${process.pid}`;
    this.server.maxConnections = CONNECTIONS_MAX;
    this.server.on('error', () => this.stop());
    this.server.listen(temp, () => {
      renameSync(temp, this.path);
      this.inode = statSync(this.path).ino;
      rmSync(`${this.path}.starting`, { force: true });
    });
    setInterval(() => this.check(), CHECK_MS).unref();
  }

  private accept(socket: Socket): void {
    let data = '';
    socket.setEncoding('utf8');
    socket.setTimeout(REQUEST_WAIT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    const onData = (chunk: string) => {
      data += chunk;
      const end = data.indexOf('\n');
      if (end < 0 && data.length <= REQUEST_MAX) return;
      socket.off('data', onData);
      socket.setTimeout(0);
      const request = end < 0 ? null : parseRequest(data.slice(0, end));
      if (request === null) socket.destroy();
      else this.handle(socket, request);
    };
    socket.on('data', onData);
  }

  private handle(socket: Socket, request: HookRequest): void {
    if (request.dist !== this.dist || buildStamp(this.dist) !== this.stamp) {
      send(socket, { stale: 1 });
      socket.end();
      this.stop();
      return;
    }
    // busy with another, or leaving; and a hook that gave up waiting is not run after all
    if (this.busy || this.stopping || !socket.writable) {
      send(socket, { busy: 1 });
      socket.end();
      return;
    }
    this.busy = true;
    send(socket, { taken: 1 });
    this.run(request, (text) => send(socket, { w: text }))
      // a request that threw gets no code: its hook runs itself
      .then(
        (code) => send(socket, { code }),
        () => undefined,
      )
      .finally(() => {
        this.busy = false;
        this.served += 1;
        this.last = Date.now();
        socket.end();
        if (this.served >= REQUESTS_MAX || this.stopping || process.memoryUsage().rss > RSS_MAX) this.stop();
      });
  }

  /** The request as its hook process would run it: its environment (process.env too), folder and umask. */
  private async run(request: HookRequest, write: (text: string) => void): Promise<number> {
    const saved = { ...process.env };
    const umask = process.umask(request.umask);
    setEnvironment(request.env);
    try {
      process.chdir(request.cwd);
      const io = { write, cwd: request.cwd };
      if (request.hook === 'trigger') return await this.bundles.trigger.serveTrigger(request.argv, request.env, io);
      this.session = this.bundles.early.nextSession(this.session, request.env, request.cwd);
      return await this.bundles.gate.serveGate(request.argv, request.env, io, this.session);
    } finally {
      setEnvironment(saved);
      process.umask(umask);
      process.chdir('/');
    }
  }

  /** Idle too long, replaced at `path`, or rebuilt: leave. */
  private check(): void {
    if (this.busy) return;
    let ours: boolean;
    try {
      ours = statSync(this.path).ino === this.inode;
    } catch {
      ours = false;
    }
    if (!ours || Date.now() - this.last > IDLE_MS || buildStamp(this.dist) !== this.stamp) this.stop();
  }

  /** No new request; once the one in progress (if any) is answered, the process ends. */
  private stop(): void {
    if (!this.stopping) {
      this.stopping = true;
      this.server.close();
      try {
        if (statSync(this.path).ino === this.inode) unlinkSync(this.path);
      } catch {
        // gone already
      }
    }
    if (this.busy) return;
    (this.session as { close?: () => void } | null)?.close?.();
    // what a request left running (a timer, a logger) does not keep a stopped server
    setTimeout(() => process.exit(0), 2000).unref();
  }
}

async function main(): Promise<void> {
  const [, script, path] = process.argv;
  if (script === undefined || path === undefined) return;
  const dist = dirname(script);
  process.chdir('/');
  if ((await socketAnswers(path)) || anotherStarting(path)) return;
  const stamp = buildStamp(dist);
  try {
    if (stamp === null) throw new Error('an incomplete build');
    new HookServer(dist, path, stamp, loadBundles(dist)).listen();
  } catch {
    // no server: the next hook runs itself and may start one
    rmSync(`${path}.starting`, { force: true });
  }
}

void main();
