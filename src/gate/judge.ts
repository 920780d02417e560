// Judging a revset against the policy with one hg process, shared by the gate and `taskgate check`; it can also record the push's plan.
import type { TaskgateConfig } from '../config/config-types.js';
import type { ChgSession } from '../hg/chg-session.js';
import type { PushData } from '../hg/hg-types.js';
import { ReadParser, readChangesets } from '../hg/read-push.js';
import { PlanRecorder, withPlanNeeds } from '../hg/push-plan.js';
import type { Pusher } from '../identity/pusher.js';
import { PolicyEvaluator, type Verdict } from '../policy/evaluate.js';
import { assertPolicy } from '../policy/config-check.js';
import { needsOf } from '../policy/needs.js';
import { loadPatternEngine } from '../policy/patterns.js';
import type { Changeset } from '../hg/hg-types.js';
import { buildRuleContext } from './rule-context.js';

export interface Judgement {
  push: PushData;
  verdict: Verdict;
  /** With `recordPlan`: what the later hooks of the transaction need, to leave them as a plan. */
  planLines?: string[];
}

/** Reads `revset` with one hg process and judges it against the policy: the gate and `taskgate check` share this. */
export async function judge(
  root: string,
  revset: string,
  config: TaskgateConfig,
  pusher: Pusher,
  options: {
    env?: NodeJS.ProcessEnv;
    bypassReason?: string | null;
    onChangeset?: (count: number) => void;
    recordPlan?: boolean;
    /** The hook's chg session, opened while its code loaded. */
    session?: ChgSession | null;
  } = {},
): Promise<Judgement> {
  const rules = config.policy.rules;
  // the evaluator sees each changeset as it is parsed, so per-changeset rules run while hg still reads
  let evaluator: PolicyEvaluator | null = null;
  let count = 0;
  // the pattern engine loads while hg starts; changesets parsed before it is ready wait for it
  let ready = false;
  const early: Changeset[] = [];
  const add = (cs: Changeset) => {
    evaluator!.add(cs);
    options.onChangeset?.(++count);
  };
  // a configuration RE2 refuses stops hg at its next line instead of letting it read on
  let failed: { error: unknown } | null = null;
  const onChangeset = (cs: Changeset) => {
    if (failed) throw failed.error;
    if (ready) add(cs);
    else early.push(cs);
  };
  // the same read also gathers what the trigger needs (DESIGN §13: a push is read once)
  const recorder = options.recordPlan ? new PlanRecorder(config.manifest.path, onChangeset) : null;
  const parser = recorder ?? new ReadParser(onChangeset);
  const needs = needsOf(rules, config.manifest.path);
  const ctx = buildRuleContext(parser.data, pusher, config);
  evaluator = new PolicyEvaluator(rules, ctx, {
    marker: config.gate.bypass?.marker,
    who: config.gate.bypass?.who,
    pushReason: options.bypassReason ?? null,
  });
  // hg first (its process is spawned before this returns), then the engine, while hg starts
  const read = recorder ? withPlanNeeds(needs, config.manifest.path) : needs;
  const reading = readChangesets(root, revset, read, options.env, parser, options.session ?? null);
  const loading = loadPatternEngine().then(() => {
    // every pattern of the configuration, by JSON path, before any rule runs
    assertPolicy(config, { regexes: true, only: 'regexes' });
    for (const cs of early.splice(0)) add(cs);
    ready = true;
  });
  loading.catch((error: unknown) => {
    failed = { error };
  });
  const [push] = await Promise.all([reading, loading]);
  return { push, verdict: evaluator.finish(), ...(recorder ? { planLines: recorder.lines } : {}) };
}
