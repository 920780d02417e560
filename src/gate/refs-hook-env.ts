// The pretxnclose hook's environment, parsed.
import { TaskgateError } from '../errors/taskgate-error.js';

const NODE = /^[0-9a-f]{40}$/;

/** What pretxnclose is told about its transaction (HG_NODE only when it added changesets). */
export interface RefsHookEnv {
  txnId: string | null;
  txnName: string | null;
  /** null for a transaction that is not a push or a pull (a commit on the server, `hg phase`...). */
  source: string | null;
  url: string;
  node: string | null;
  nodeLast: string | null;
  bypassVar: string | null;
}

/** Reads the pretxnclose hook's environment; outside a hook or as another hook type, a clear error. */
export function parseRefsHookEnv(env: NodeJS.ProcessEnv): RefsHookEnv {
  const type = env['HG_HOOKTYPE'];
  if (type === undefined) {
    throw new TaskgateError(
      'ERR_NOT_IN_HOOK',
      'this program is a Mercurial hook and HG_HOOKTYPE is not set',
      "register it in the repository's .hg/hgrc ([hooks] pretxnclose.taskgate = ...); to try the policy by hand use `taskgate check --bookmark NAME=REV`",
    );
  }
  if (type !== 'pretxnclose') {
    throw new TaskgateError(
      'ERR_HOOK_ENV',
      `hooks/pretxnclose runs as a ${type} hook`,
      'register it as pretxnclose.taskgate in hgrc (taskgate install writes it)',
    );
  }
  const node = env['HG_NODE'];
  const nodeLast = env['HG_NODE_LAST'];
  if ((node !== undefined && !NODE.test(node)) || (nodeLast !== undefined && !NODE.test(nodeLast))) {
    throw new TaskgateError('ERR_HOOK_ENV', 'the hook environment is malformed: HG_NODE', 'register the hook as pretxnclose');
  }
  return {
    txnId: env['HG_TXNID'] ?? null,
    txnName: env['HG_TXNNAME'] ?? null,
    source: env['HG_SOURCE'] ?? null,
    url: env['HG_URL'] ?? '',
    node: node ?? null,
    nodeLast: nodeLast ?? null,
    bypassVar: env['HG_USERVAR_TASKGATE_BYPASS'] ?? null,
  };
}
