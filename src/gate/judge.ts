import type { TaskgateConfig } from '../config/config-types.js';
import type { PushData } from '../hg/hg-types.js';
import { readChangesets } from '../hg/read-push.js';
import type { Pusher } from '../identity/pusher.js';
import { evaluatePolicy, type Verdict } from '../policy/evaluate.js';
import { needsOf } from '../policy/needs.js';
import { buildRuleContext } from './rule-context.js';

export interface Judgement {
  push: PushData;
  verdict: Verdict;
}

/** Reads `revset` with one hg process and judges it against the policy: the gate and `taskgate check` share this. */
export async function judge(root: string, revset: string, config: TaskgateConfig, pusher: Pusher, options: { env?: NodeJS.ProcessEnv; bypassReason?: string | null } = {}): Promise<Judgement> {
  const rules = config.policy.rules;
  const push = await readChangesets(root, revset, needsOf(rules, config.manifest.path), options.env);
  const ctx = buildRuleContext(push, pusher, config);
  const verdict = evaluatePolicy(rules, push.changesets, ctx, {
    marker: config.gate.bypass?.marker,
    who: config.gate.bypass?.who,
    pushReason: options.bypassReason ?? null,
  });
  return { push, verdict };
}
