// The refs rules on a situation `taskgate check` describes (bookmark moves, a revset's tags).
import type { TaskgateConfig } from '../config/config-types.js';
import { readRefs } from '../hg/read-refs.js';
import type { RefChanges } from '../hg/refs-types.js';
import type { Pusher } from '../identity/pusher.js';
import { grants } from '../identity/who-list.js';
import { evaluateRefs, needsTags } from '../policy/evaluate-refs.js';
import type { Verdict } from '../policy/evaluate.js';
import { loadPatternEngine } from '../policy/patterns.js';

export interface RefsJudgement {
  refs: RefChanges;
  verdict: Verdict;
}

/**
 * `taskgate check`: the refs rules on a situation a person describes — bookmark moves
 * (`NAME=REV`, `NAME=` to delete) and the tags a revset would change as one push — with one
 * hg process, as pretxnclose judges a transaction.
 */
export async function judgeRefs(
  root: string,
  config: TaskgateConfig,
  pusher: Pusher,
  options: { bookmarks?: string[]; revset?: string; env?: NodeJS.ProcessEnv },
): Promise<RefsJudgement> {
  const tags = needsTags(config.policy.rules) && options.revset !== undefined;
  const [refs] = await Promise.all([
    readRefs(root, { bookmarks: options.bookmarks ?? [], tags, ...(tags ? { asPush: options.revset } : {}) }, options.env),
    loadPatternEngine(),
  ]);
  return { refs, verdict: evaluateRefs(config.policy.rules, refs, { pusher, grants: (who) => grants(who, pusher) }) };
}
