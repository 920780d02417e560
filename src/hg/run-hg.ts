import { execa } from 'execa';
import { TaskgateError } from '../errors/taskgate-error.js';

export interface HgRunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
}

/** The environment every hg call gets: plain output, UTF-8 metadata, HG_PENDING kept from the hook. */
export function hgEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, HGPLAIN: '1', HGENCODING: 'utf-8', HGENCODINGMODE: 'strict' };
}

/** Runs one hg command (no shell) and returns its standard output as bytes. */
export async function runHg(args: string[], options: HgRunOptions): Promise<Buffer> {
  const hg = options.env?.['TASKGATE_HG'] ?? process.env['TASKGATE_HG'] ?? 'hg';
  const result = await execa(hg, args, {
    cwd: options.cwd,
    env: hgEnv(options.env),
    extendEnv: false,
    encoding: 'buffer',
    reject: false,
    stdin: 'ignore',
    maxBuffer: 2 ** 31 - 1,
  });
  if (result.failed && (result as { code?: string }).code === 'ENOENT') {
    throw new TaskgateError('ERR_HG_MISSING', `cannot run ${hg}: not found on PATH`, 'install Mercurial (apt-get install mercurial) or set TASKGATE_HG');
  }
  if (result.exitCode !== 0) {
    const stderr = Buffer.from(result.stderr ?? []).toString('utf8').trim().split('\n').slice(-3).join(' / ');
    throw new TaskgateError('ERR_HG_FAILED', `\`hg ${args[0] ?? ''}\` failed in ${options.cwd} (exit ${result.exitCode ?? 'signal'}): ${stderr}`,
      'run the same hg command by hand in that repository to see why');
  }
  return Buffer.from(result.stdout);
}
