// The gate's verdict, left in the keyed plan of its transaction (hg/push-plan.ts) for the hook
// that writes the push's ONE audit record (DESIGN §16): pretxnclose, or the trigger when
// hooks/pretxnclose passed without node. pretxnclose also skips its own hg process when the
// gate's read already answers what it needs (DESIGN §13).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendAudit } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import type { PushData } from '../hg/hg-types.js';
import { readPlan, writePlan, type PlanKey, type PlanVerdict } from '../hg/push-plan.js';

export interface GateVerdict extends PlanVerdict {
  /** Whether a changeset of the push touches .hgtags or merges (tags cannot have changed otherwise). */
  touchesTags: boolean;
  changesets: number;
}

/** Which of taskgate's later hooks the repository's own hgrc registers (install writes them there). */
function installedHooks(root: string): { refs: boolean; trigger: boolean } {
  try {
    const text = readFileSync(join(root, '.hg', 'hgrc'), 'utf8');
    return { refs: /^\s*pretxnclose\.taskgate\s*=\s*\S/m.test(text), trigger: /^\s*changegroup\.taskgate\s*=\s*\S/m.test(text) };
  } catch {
    return { refs: false, trigger: false };
  }
}

/** Whether the changesets can change the tags the repository resolves: an `.hgtags` edit, or a merge. */
function touchesTags(push: PushData): boolean {
  return push.changesets.some((cs) => cs.parents.length > 1 || cs.files.some((f) => f.path === '.hgtags'));
}

/**
 * The gate's accepting verdict, and its plan: the verdict goes into the plan when pretxnclose
 * is installed (that hook, or the trigger after a quiet pretxnclose, records the push), else it
 * is appended to the audit log right away, as it is when no plan can be written.
 */
export async function leaveGateVerdict(
  root: string,
  config: TaskgateConfig,
  plan: { key: PlanKey; lines: string[] } | null,
  push: PushData,
  verdict: PlanVerdict,
  now: () => Date,
): Promise<void> {
  const hooks = installedHooks(root);
  const phases = config.policy.rules.some((r) => r.enabled !== false && r.rule === 'phases');
  // pretxnclose may pass without node only if it has nothing to judge in the changesets and the trigger will record
  const quiet = hooks.refs && hooks.trigger && verdict.event === 'push.accepted' && !phases && !touchesTags(push);
  const left = hooks.refs ? verdict : null;
  const written = plan !== null && writePlan(root, plan.key, plan.lines, { verdict: left, quiet });
  if (!written || left === null) await appendAudit(config.audit.path, verdict.event, verdict.data, now);
}

/** The gate's verdict of this transaction and range, if it left one in its plan (the plan stays for the trigger). */
export function takeGateVerdict(root: string, key: PlanKey | null): GateVerdict | null {
  if (key === null) return null;
  const plan = readPlan(root, key, { consume: false });
  if (plan?.verdict == null) return null;
  return { ...plan.verdict, touchesTags: touchesTags(plan.push), changesets: plan.push.changesets.length };
}
