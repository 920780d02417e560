// A session with chg's command server over its socket, opened before the hook's code loads (DESIGN §13).
import { connect, type Socket } from 'node:net';

/** What one command through the session gave: hg's exit code and the end of its error output. */
export interface SessionResult {
  exitCode: number;
  stderr: string;
}

/** Keep the end of hg's error output, bounded (as spawn-hg.ts does). */
const STDERR_KEEP = 64 * 1024;

/** A frame's payload is bounded: a server that announces more is not one we talk to. */
const FRAME_MAX = 16 * 1024 * 1024;

/** The commands of the protocol this client sends; the hello must offer every one. */
const NEEDED = ['runcommand', 'setenv', 'setumask2', 'chdir', 'validate'];

/** One command server's frame: a channel letter and a payload (or, for input requests, a length). */
interface Frame {
  channel: string;
  data: Buffer;
}

function request(name: string, payload?: Buffer): Buffer {
  if (payload === undefined) return Buffer.from(`${name}\n`, 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32BE(payload.length);
  return Buffer.concat([Buffer.from(`${name}\n`, 'latin1'), size, payload]);
}

const list = (items: readonly string[]) => Buffer.from(items.join('\0'), 'utf8');

/** Where, with what umask and environment, and `validate`: all at once, the server reads it after its hello. */
function preamble(cwd: string, env: NodeJS.ProcessEnv, configArgs: readonly string[]): Buffer {
  const environ = Object.entries(env).flatMap(([k, v]) => (v === undefined || k.includes('=') ? [] : [`${k}=${v}`]));
  const umask = Buffer.alloc(4);
  umask.writeUInt32BE(process.umask());
  return Buffer.concat([
    request('chdir', Buffer.from(cwd, 'utf8')),
    request('setumask2', umask),
    request('setenv', list(environ)),
    request('validate', list(configArgs)),
  ]);
}

/**
 * chg's client does this work in its own process: connect, say where and with what environment,
 * and let the server check that it is current (`validate`, with the same `--config` options).
 * Here the hook connects while its code still loads, so the server forks its worker, reloads the
 * configuration and validates in parallel; only `runcommand` waits for the hook. Anything but
 * a clean answer makes the session unusable, and the caller runs chg's own client instead,
 * which starts, replaces or redirects the server as chg does.
 */
export class ChgSession {
  private readonly socket: Socket;
  private buffer: Buffer = Buffer.alloc(0);
  private hello: string | null = null;
  private validated = false;
  private broken = false;
  private pid = 0;
  private ended = false;
  private waiting: ((frame: Frame | null) => void) | null = null;
  private readonly queue: (Frame | null)[] = [];

  /** `socketPath` is chg's socket (CHGSOCKNAME); `configArgs` the `--config` options of the commands to come. */
  constructor(
    readonly socketPath: string,
    public cwd: string,
    env: NodeJS.ProcessEnv,
    readonly configArgs: readonly string[],
    /** Kept open after a command for the next (the hook server's), instead of ended. */
    private readonly reusable = false,
  ) {
    this.socket = connect(socketPath);
    this.socket.write(preamble(cwd, env, configArgs));
    this.socket.on('data', (chunk: Buffer) => this.receive(chunk));
    this.socket.on('error', () => this.fail());
    this.socket.on('close', () => this.fail());
    // an unused session must not keep the hook alive
    this.socket.unref();
  }

  /**
   * A reusable session, for its next command: the new folder and environment, validated again
   * (the worker reloads its configuration for them, as for a new client). False when it cannot.
   */
  renew(cwd: string, env: NodeJS.ProcessEnv): boolean {
    if (!this.reusable || this.broken || !this.validated) return false;
    this.cwd = cwd;
    this.validated = false;
    this.socket.write(preamble(cwd, env, this.configArgs));
    return true;
  }

  /** Runs `args` (which start with this session's `configArgs`); null when the session cannot. */
  async run(args: readonly string[], onStdout: (chunk: string, stop: () => void) => void): Promise<SessionResult | null> {
    if (this.broken || !this.configArgs.every((a, i) => args[i] === a)) return this.close();
    this.socket.ref();
    let result: SessionResult | null = null;
    try {
      if (!(await this.ready())) return this.close();
      this.socket.write(request('runcommand', list(args)));
      result = await this.answer(onStdout);
      return result;
    } finally {
      // a worker that answered in full waits for the next command, out of the repository (no reply
      // to `chdir`); anything else ends here
      if (this.reusable && result !== null && !this.broken) {
        this.socket.write(request('chdir', Buffer.from('/', 'utf8')));
        this.socket.unref();
      } else this.close();
    }
  }

  /** Ends the session: the server's worker sees its client go and exits. */
  close(): null {
    this.broken = true;
    this.socket.destroy();
    return null;
  }

  /** The hello offered every command we send, and `validate` answered with no instruction. */
  private async ready(): Promise<boolean> {
    while (!this.validated) {
      const frame = await this.next();
      if (frame === null) return false;
      if (this.hello === null) {
        if (frame.channel !== 'o' || !this.acceptHello(frame.data.toString('latin1'))) return false;
      } else if (frame.channel === 'r') {
        // "\0" is the empty instruction list; unlink, redirect, reconnect or exit go to chg itself
        if (frame.data.length !== 1 || frame.data[0] !== 0) return false;
        this.validated = true;
      } else if (!this.optional(frame)) return false;
    }
    return true;
  }

  private acceptHello(text: string): boolean {
    this.hello = text;
    const capabilities = /^capabilities: (.*)$/m.exec(text)?.[1]?.split(' ') ?? [];
    const pid = Number(/^pid: (\d+)$/m.exec(text)?.[1] ?? 0);
    this.pid = Number.isSafeInteger(pid) && pid > 1 ? pid : 0;
    return NEEDED.every((c) => capabilities.includes(c));
  }

  /** Output of the command until its result; input requests get end-of-file. */
  private async answer(onStdout: (chunk: string, stop: () => void) => void): Promise<SessionResult | null> {
    const stderr: Buffer[] = [];
    let kept = 0;
    for (;;) {
      const frame = await this.next();
      if (frame === null) return null;
      switch (frame.channel) {
        case 'o':
          onStdout(frame.data.toString('latin1'), () => this.abort());
          // aborted: whatever came with this frame (the result too) is not an answer any more
          if (this.broken) return null;
          break;
        case 'e':
          // bounded: only its last lines are shown
          stderr.push(frame.data);
          kept += frame.data.length;
          while (kept > STDERR_KEEP && stderr.length > 1) kept -= stderr.shift()!.length;
          break;
        case 'r':
          if (frame.data.length !== 4) return null;
          return { exitCode: frame.data.readInt32BE(0), stderr: Buffer.concat(stderr).toString('utf8') };
        case 'I':
        case 'L':
          this.socket.write(Buffer.alloc(4));
          break;
        default:
          if (!this.optional(frame)) return null;
      }
    }
  }

  /** Lower-case channels are optional (messages, debug): skipped; any other one ends the session. */
  private optional(frame: Frame): boolean {
    return frame.channel >= 'a' && frame.channel <= 'z';
  }

  /** Ends the command now (the reader refused a line, the gate's time ran out): the worker too, not at its next write. */
  abort(): void {
    if (this.pid > 0) {
      try {
        process.kill(this.pid, 'SIGTERM');
      } catch {
        // gone already
      }
    }
    this.close();
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    while (this.buffer.length >= 5) {
      const channel = String.fromCharCode(this.buffer[0]!);
      const size = this.buffer.readUInt32BE(1);
      // input requests carry a length, not a payload
      const payload = channel === 'I' || channel === 'L' ? 0 : size;
      if (payload > FRAME_MAX) {
        this.close();
        return;
      }
      if (this.buffer.length < 5 + payload) return;
      this.deliver({ channel, data: this.buffer.subarray(5, 5 + payload) });
      this.buffer = this.buffer.subarray(5 + payload);
    }
  }

  private deliver(frame: Frame | null): void {
    const waiting = this.waiting;
    this.waiting = null;
    if (waiting) waiting(frame);
    else this.queue.push(frame);
  }

  /** The socket failed or closed: whoever waits gets null, and so does every later read. */
  private fail(): void {
    this.broken = true;
    if (this.ended) return;
    this.ended = true;
    this.deliver(null);
  }

  private next(): Promise<Frame | null> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift() ?? null);
    if (this.ended) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }
}
