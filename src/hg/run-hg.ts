/** The one place taskgate runs `hg`: plain output, no shell, and failures as TaskgateErrors. */
import { execa } from 'execa';
import { TaskgateError } from '../errors/taskgate-error.js';

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
  return options.env?.['TASKGATE_HG'] ?? process.env['TASKGATE_HG'] ?? 'hg';
}

/** Runs one hg command (no shell) and returns its standard output as bytes. */
export async function runHg(args: string[], options: HgRunOptions): Promise<Buffer> {
  const result = await execa(hgBinary(options), args, {
    cwd: options.cwd,
    env: hgEnv(options.env),
    extendEnv: false,
    encoding: 'buffer',
    reject: false,
    stdin: 'ignore',
    maxBuffer: 2 ** 31 - 1,
  });
  checkResult(result, args, options);
  return Buffer.from(result.stdout);
}

/**
 * Runs one hg command and hands each line of its (ASCII) output to `onLine` as it arrives,
 * so that taskgate's work overlaps hg's instead of waiting for all of it.
 */
export async function streamHgLines(args: string[], options: HgRunOptions, onLine: (line: string) => void): Promise<void> {
  const proc = execa(hgBinary(options), args, {
    cwd: options.cwd,
    env: hgEnv(options.env),
    extendEnv: false,
    buffer: { stdout: false, stderr: true },
    reject: false,
    stdin: 'ignore',
  });
  let rest = '';
  // set by the line callback: the reader's own error, which ends the hg process
  const stopped: { error?: Error } = {};
  proc.stdout.setEncoding('latin1');
  proc.stdout.on('data', (chunk: string) => {
    if (stopped.error) return;
    const lines = (rest + chunk).split('\n');
    rest = lines.pop() ?? '';
    try {
      for (const line of lines) if (line !== '') onLine(line);
    } catch (error) {
      stopped.error = error instanceof Error ? error : new Error(String(error));
      proc.kill();
    }
  });
  const result = await proc;
  if (stopped.error) throw stopped.error;
  checkResult(result, args, options);
  if (rest !== '') onLine(rest);
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
