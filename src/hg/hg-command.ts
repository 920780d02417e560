// Which program runs hg: chg (a warm command server, DESIGN §13) where installed, plain hg otherwise.
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { privateRuntimeDir } from '../config/runtime-dir.js';

/** `hg.command` in the configuration: `auto` (chg when installed), `chg`, `hg`, or a path to either. */
let choice = 'auto';

/** Set by the hooks and commands once their configuration is loaded. */
export function setHgCommand(command: string | undefined): void {
  choice = command ?? 'auto';
}

/** The first executable named `name` on PATH, or null. */
function onPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/** The folder of chg's sockets: one per account, owner-only, never a symlink (otherwise chg is not used). */
export function chgSocketDir(env: NodeJS.ProcessEnv = process.env): string | null {
  return privateRuntimeDir('taskgate-chg', env);
}

export interface HgCommand {
  /** The program to run. */
  file: string;
  /** Extra arguments before the command's own. */
  args: string[];
  /** Extra environment (chg's socket). */
  env: Record<string, string>;
  /** Whether this is chg: a failure is retried once with plain hg. */
  chg: boolean;
}

const PLAIN: HgCommand = { file: 'hg', args: [], env: {}, chg: false };

/** chg's server exits after this long without a command: one cold start after a quiet hour. */
const CHG_IDLE_SECONDS = 3600;

/**
 * chg's socket for a command: one name per set of `--config` options (the read extension, the
 * refs extension, none). chg links its base name to the server it started last and asks that
 * one first; a server of other extensions answers "redirect" only after loading the request's
 * configuration, so a shared name costs each hook a wasted round on a busy server.
 */
function socketName(dir: string, args: readonly string[]): string {
  const configs = args.filter((a, i) => i > 0 && args[i - 1] === '--config');
  if (configs.length === 0) return join(dir, 'server');
  return join(dir, `server-${fnv1a(configs.join('\0'))}`);
}

/** FNV-1a, 32 bits, as hex: a name, not a secret (node:crypto would cost the hook ~10 ms to load). */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash.toString(16).padStart(8, '0');
}

function chgCommand(file: string, env: NodeJS.ProcessEnv, args: readonly string[]): HgCommand | null {
  const dir = chgSocketDir(env);
  if (dir === null) return null;
  return {
    file,
    // the server keeps its own working folder and standard streams off the caller's (chg's --daemon-postexec)
    args: ['--config', `chgserver.idletimeout=${CHG_IDLE_SECONDS}`],
    env: { CHGSOCKNAME: socketName(dir, args) },
    chg: true,
  };
}

/** What runs hg for `env` and the command `args`: TASKGATE_HG wins (tests, wrappers), then `hg.command`. */
export function hgCommand(env: NodeJS.ProcessEnv = process.env, args: readonly string[] = []): HgCommand {
  const forced = env['TASKGATE_HG'] ?? process.env['TASKGATE_HG'];
  if (forced) return { ...PLAIN, file: forced };
  if (choice === 'hg') return PLAIN;
  if (choice === 'auto' || choice === 'chg') {
    const chg = onPath('chg', env);
    return (chg === null ? null : chgCommand(chg, env, args)) ?? PLAIN;
  }
  // a path: chg when its name says so
  return /(^|\/)chg$/.test(choice) ? (chgCommand(choice, env, args) ?? PLAIN) : { ...PLAIN, file: choice };
}

/** The environment every hg call gets: plain output, UTF-8 metadata, HG_PENDING kept from the hook. */
export function hgEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return { ...env, HGPLAIN: '1', HGENCODING: 'utf-8', HGENCODINGMODE: 'strict' };
}

/** Plain hg, for the retry after chg failed. */
export function plainHg(): HgCommand {
  return PLAIN;
}
