/** What a hook is given: its command-line arguments and the environment Mercurial sets. */
import { parseArgs } from 'node:util';
import { TaskgateError } from '../errors/taskgate-error.js';

const NODE = /^[0-9a-f]{40}$/;

/** The variables the hooks read, each a string if set (a plain check: no schema library on every push's path). */
interface RawHookEnv {
  HG_NODE: string;
  HG_NODE_LAST?: string;
  HG_SOURCE: string;
  HG_URL?: string;
  HG_TXNID?: string;
  HG_HOOKTYPE?: string;
  HG_USERVAR_TASKGATE_BYPASS?: string;
}

const OPTIONAL = ['HG_URL', 'HG_TXNID', 'HG_HOOKTYPE', 'HG_USERVAR_TASKGATE_BYPASS'] as const;

/** The names of the malformed variables: HG_NODE (and HG_NODE_LAST if set) 40 hex digits, HG_SOURCE set. */
function malformed(env: NodeJS.ProcessEnv): string[] {
  const bad: string[] = [];
  if (typeof env['HG_NODE'] !== 'string' || !NODE.test(env['HG_NODE'])) bad.push('HG_NODE');
  const last = env['HG_NODE_LAST'];
  if (last !== undefined && (typeof last !== 'string' || !NODE.test(last))) bad.push('HG_NODE_LAST');
  if (typeof env['HG_SOURCE'] !== 'string') bad.push('HG_SOURCE');
  for (const name of OPTIONAL) if (env[name] !== undefined && typeof env[name] !== 'string') bad.push(name);
  return bad;
}

export interface HookEnv {
  node: string;
  nodeLast: string;
  source: string;
  url: string;
  txnId: string | null;
  /** `hg push --pushvars "TASKGATE_BYPASS=reason"`. */
  bypassVar: string | null;
}

/** The hook types a taskgate hook is written for, and where each one goes in hgrc. */
export type HookType = 'pretxnchangegroup' | 'changegroup';

/** A hook's arguments: only `--config PATH`; anything else is a usage error with a hint. */
export function parseHookArgs(argv: string[], hookType: HookType): { config?: string } {
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true, allowPositionals: false });
    return values.config === undefined ? {} : { config: values.config };
  } catch (error) {
    throw new TaskgateError(
      'ERR_USAGE',
      `bad arguments for the ${hookType} hook: ${(error as Error).message}`,
      `the hook takes only --config PATH: ${hookType}.taskgate = /path/to/taskgate/hooks/${hookType} [--config PATH]`,
    );
  }
}

/**
 * Reads the hook environment Mercurial sets; outside a hook, a clear ERR_NOT_IN_HOOK. A hook
 * registered under another type refuses to run (as Mercurial's hooklib does): the gate as
 * `changegroup` could reject nothing, the trigger as `pretxnchangegroup` would queue a push
 * that may still be rolled back.
 */
export function parseHookEnv(env: NodeJS.ProcessEnv, hookType: HookType): HookEnv {
  if (env['HG_NODE'] === undefined && env['HG_HOOKTYPE'] === undefined) {
    throw new TaskgateError(
      'ERR_NOT_IN_HOOK',
      'this program is a Mercurial hook and HG_NODE is not set',
      "register it in the repository's .hg/hgrc ([hooks] pretxnchangegroup.taskgate = ...); to try the policy by hand use `taskgate check`",
    );
  }
  const bad = malformed(env);
  if (bad.length > 0) {
    const keys = bad.join(', ');
    throw new TaskgateError(
      'ERR_HOOK_ENV',
      `the hook environment is malformed: ${keys}`,
      'register the hook as pretxnchangegroup or changegroup; Mercurial 5.2 or newer sets HG_NODE_LAST',
    );
  }
  const e = env as unknown as RawHookEnv;
  if (e.HG_HOOKTYPE !== undefined && e.HG_HOOKTYPE !== hookType) {
    throw new TaskgateError(
      'ERR_HOOK_ENV',
      `this is taskgate's ${hookType} hook and Mercurial runs it as a ${e.HG_HOOKTYPE} hook`,
      `register it in hgrc as [hooks] ${hookType}.taskgate = /path/to/taskgate/hooks/${hookType} (\`taskgate install\` writes it)`,
    );
  }
  return {
    node: e.HG_NODE,
    nodeLast: e.HG_NODE_LAST ?? 'tip',
    source: e.HG_SOURCE,
    url: e.HG_URL ?? '',
    txnId: e.HG_TXNID ?? null,
    bypassVar: e.HG_USERVAR_TASKGATE_BYPASS ?? null,
  };
}
