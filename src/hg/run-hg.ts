/** The one place taskgate runs `hg`: plain output, no shell, and failures as TaskgateErrors. */
import { TaskgateError } from '../errors/taskgate-error.js';
import { hgCommand, plainHg, type HgCommand } from './hg-command.js';
import { spawnHg } from './spawn-hg.js';

export interface HgRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  /** Exit codes that are answers, not failures (`hg config` exits 1 when nothing is set). */
  okExitCodes?: number[];
}

/** The environment every hg call gets: plain output, UTF-8 metadata, HG_PENDING kept from the hook. */
export function hgEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, HGPLAIN: '1', HGENCODING: 'utf-8', HGENCODINGMODE: 'strict' };
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
  const delivered = await streamOnce(command, args, options, onLine);
  // chg that failed before a line came out is retried with plain hg: the same answer, just slower
  if (delivered === 'retry') await streamOnce(plainHg(), args, options, onLine);
}

async function streamOnce(
  command: HgCommand,
  args: string[],
  options: HgRunOptions,
  onLine: (line: string) => void,
): Promise<'done' | 'retry'> {
  let lines = 0;
  let rest = '';
  // set by the line callback: the reader's own error, which ends the hg process
  const stopped: { error?: Error } = {};
  const result = await spawnHg(
    command.file,
    [...command.args, ...args],
    { cwd: options.cwd, env: { ...hgEnv(options.env), ...command.env } },
    (chunk, kill) => {
      if (stopped.error) return;
      const parts = (rest + chunk).split('\n');
      rest = parts.pop() ?? '';
      try {
        for (const line of parts) {
          if (line === '') continue;
          lines += 1;
          onLine(line);
        }
      } catch (error) {
        stopped.error = error instanceof Error ? error : new Error(String(error));
        kill();
      }
    },
  );
  if (stopped.error) throw stopped.error;
  if (lines === 0 && retryPlain(command, result, options)) return 'retry';
  checkResult(result, args, options);
  if (rest !== '') onLine(rest);
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
