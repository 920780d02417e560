/** The one place taskgate runs `hg`: plain output, no shell, and failures as TaskgateErrors. */
import { TaskgateError } from '../errors/taskgate-error.js';
import type { ChgSession } from './chg-session.js';
import { trackHg } from './hg-children.js';
import { hgCommand, hgEnv, plainHg, type HgCommand } from './hg-command.js';
import { spawnHg } from './spawn-hg.js';

export interface HgRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not failures (`hg config` exits 1 when nothing is set). */
  okExitCodes?: number[];
  /** A session with chg's server opened before the hook's code loaded (chg-early.ts): used when it is the one this command would use. */
  session?: ChgSession | null;
}

function hgBinary(options: HgRunOptions): string {
  return hgCommand(options.env).file;
}

/** Whether a failed chg run is retried with plain hg: chg missing, its server failing, anything but success. */
function retryPlain(command: HgCommand, result: { exitCode?: number | undefined }, options: HgRunOptions): boolean {
  return command.chg && result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode ?? -1);
}

/** Runs one hg command (no shell) and returns its standard output as bytes. */
export async function runHg(args: string[], options: HgRunOptions): Promise<Buffer> {
  const run = (command: HgCommand) =>
    spawnHg(command.file, [...command.args, ...args], { cwd: options.cwd, env: { ...hgEnv(options.env), ...command.env } });
  const command = hgCommand(options.env, args);
  let result = await run(command);
  if (retryPlain(command, result, options)) result = await run(plainHg());
  checkResult(result, args, options);
  return result.stdout;
}

/**
 * Runs one hg command and hands each line of its (ASCII) output to `onLine` as it arrives,
 * so that taskgate's work overlaps hg's instead of waiting for all of it.
 */
export async function streamHgLines(args: string[], options: HgRunOptions, onLine: (line: string) => void): Promise<void> {
  const command = hgCommand(options.env, args);
  const viaSession = options.session ? await streamSession(options.session, command, args, options, onLine) : 'unused';
  if (viaSession === 'done') return;
  // a server that answered with hg's own failure is current: plain hg, not chg's client again
  const delivered = viaSession === 'plain' ? 'retry' : await streamOnce(command, args, options, onLine);
  // chg that failed before a line came out is retried with plain hg: the same answer, just slower
  if (delivered === 'retry') await streamOnce(plainHg(), args, options, onLine);
}

/** hg's output cut into lines for `onLine`; the first error `onLine` throws stops the rest. */
class Lines {
  count = 0;
  error: Error | null = null;
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  push(chunk: string, stop: () => void): void {
    if (this.error) return;
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    try {
      for (const line of parts) {
        if (line === '') continue;
        this.count += 1;
        this.onLine(line);
      }
    } catch (error) {
      this.error = error instanceof Error ? error : new Error(String(error));
      stop();
    }
  }

  /** The last line, when the output did not end with a newline. */
  flush(): void {
    if (this.rest !== '') this.onLine(this.rest);
  }
}

/**
 * The command through the early session, when it is the server and folder this command would
 * use. 'unused' when the session could not run it before a line came out: chg's own client then
 * runs it (and starts or replaces the server, as chg does).
 */
async function streamSession(
  session: ChgSession,
  command: HgCommand,
  args: string[],
  options: HgRunOptions,
  onLine: (line: string) => void,
): Promise<'done' | 'unused' | 'plain'> {
  if (!command.chg || command.env['CHGSOCKNAME'] !== session.socketPath || session.cwd !== options.cwd) return session.close() ?? 'unused';
  const lines = new Lines(onLine);
  // registered here, in the gate's bundle: the session's class comes from another (chg-early)
  const untrack = trackHg(() => session.abort());
  const result = await session.run([...command.args, ...args], (chunk, stop) => lines.push(chunk, stop)).finally(untrack);
  if (lines.error) throw lines.error;
  if (lines.count === 0 && result === null) return 'unused';
  if (lines.count === 0 && retryPlain(command, result!, options)) return 'plain';
  // lines already went to the reader: a retry would hand it the same ones twice
  const ended = { failed: true, exitCode: -1, stderr: "chg's server ended the session before hg's answer" };
  checkResult(result ? { failed: result.exitCode !== 0, ...result } : ended, args, options);
  lines.flush();
  return 'done';
}

async function streamOnce(
  command: HgCommand,
  args: string[],
  options: HgRunOptions,
  onLine: (line: string) => void,
): Promise<'done' | 'retry'> {
  const lines = new Lines(onLine);
  const result = await spawnHg(
    command.file,
    [...command.args, ...args],
    { cwd: options.cwd, env: { ...hgEnv(options.env), ...command.env } },
    (chunk, kill) => lines.push(chunk, kill),
  );
  if (lines.error) throw lines.error;
  if (lines.count === 0 && retryPlain(command, result, options)) return 'retry';
  checkResult(result, args, options);
  lines.flush();
  return 'done';
}

/** hg's global options that take a value: what follows them is not the subcommand. */
const VALUE_OPTIONS = new Set(['--config', '-R', '--repository', '--cwd', '--encoding', '--encodingmode', '--color', '--pager']);

/** The hg subcommand in `args` (`taskgate-read`, `log`), past the global options before it. */
function hgSubcommand(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (VALUE_OPTIONS.has(arg)) i++;
    else if (!arg.startsWith('-')) return arg;
  }
  return '';
}

function checkResult(
  result: { failed: boolean; exitCode?: number | undefined; stderr?: string | Uint8Array },
  args: string[],
  options: HgRunOptions,
): void {
  const hg = hgBinary(options);
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new TaskgateError(
      'ERR_HG_MISSING',
      `cannot run ${hg}: not found on PATH`,
      'install Mercurial (apt-get install mercurial) or set TASKGATE_HG',
      { cause: result },
    );
  }
  if (result.exitCode !== 0 && !(options.okExitCodes ?? []).includes(result.exitCode ?? -1)) {
    const stderr = (typeof result.stderr === 'string' ? result.stderr : Buffer.from(result.stderr ?? []).toString('utf8'))
      .trim()
      .split('\n')
      .slice(-3)
      .join(' / ');
    throw new TaskgateError(
      'ERR_HG_FAILED',
      `\`hg ${hgSubcommand(args)}\` failed in ${options.cwd} (exit ${result.exitCode ?? 'signal'}): ${stderr}`,
      'run the same hg command by hand in that repository to see why',
      { cause: result },
    );
  }
}
