/** What a hook is given: its command-line arguments and the environment Mercurial sets. */
import { parseArgs } from 'node:util';
import * as z from 'zod/mini';
import { TaskgateError } from '../errors/taskgate-error.js';

const NODE = z.string().check(z.regex(/^[0-9a-f]{40}$/));

const HookEnvSchema = z.object({
  HG_NODE: NODE,
  HG_NODE_LAST: z.optional(NODE),
  HG_SOURCE: z.string(),
  HG_URL: z.optional(z.string()),
  HG_TXNID: z.optional(z.string()),
  HG_HOOKTYPE: z.optional(z.string()),
  HG_USERVAR_TASKGATE_BYPASS: z.optional(z.string()),
});

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
  const parsed = HookEnvSchema.safeParse(env);
  if (!parsed.success) {
    const keys = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
    throw new TaskgateError(
      'ERR_HOOK_ENV',
      `the hook environment is malformed: ${keys}`,
      'register the hook as pretxnchangegroup or changegroup; Mercurial 5.2 or newer sets HG_NODE_LAST',
    );
  }
  const e = parsed.data;
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
