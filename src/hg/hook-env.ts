import * as z from 'zod/mini';
import { TaskgateError } from '../errors/taskgate-error.js';

const NODE = z.string().check(z.regex(/^[0-9a-f]{40}$/));

const HookEnvSchema = z.object({
  HG_NODE: NODE,
  HG_NODE_LAST: z.optional(NODE),
  HG_SOURCE: z.string(),
  HG_URL: z.optional(z.string()),
  HG_TXNID: z.optional(z.string()),
  HG_PENDING: z.optional(z.string()),
  HG_HOOKTYPE: z.optional(z.string()),
  HG_USERVAR_TASKGATE_BYPASS: z.optional(z.string()),
});

export interface HookEnv {
  node: string;
  nodeLast: string;
  source: string;
  url: string;
  txnId: string | null;
  pending: string | null;
  hookType: string | null;
  /** `hg push --pushvars "TASKGATE_BYPASS=reason"`. */
  bypassVar: string | null;
}

/** Reads the hook environment Mercurial sets; outside a hook, a clear ERR_NOT_IN_HOOK. */
export function parseHookEnv(env: NodeJS.ProcessEnv): HookEnv {
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
  return {
    node: e.HG_NODE,
    nodeLast: e.HG_NODE_LAST ?? 'tip',
    source: e.HG_SOURCE,
    url: e.HG_URL ?? '',
    txnId: e.HG_TXNID ?? null,
    pending: e.HG_PENDING ?? null,
    hookType: e.HG_HOOKTYPE ?? null,
    bypassVar: e.HG_USERVAR_TASKGATE_BYPASS ?? null,
  };
}
