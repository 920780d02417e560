// The gate's verdict, left in the keyed plan of its transaction (hg/push-plan.ts) for pretxnclose,
// which writes the push's ONE audit record (DESIGN §16), and skips its own hg process when the
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

/** Whether `pretxnclose.taskgate` is registered in the repository's own hgrc (install writes it there). */
function refsHookInstalled(root: string): boolean {
  try {
    return /^\s*pretxnclose\.taskgate\s*=\s*\S/m.test(readFileSync(join(root, '.hg', 'hgrc'), 'utf8'));
  } catch {
    return false;
  }
}

/** Whether the changesets can change the tags the repository resolves: an `.hgtags` edit, or a merge. */
function touchesTags(push: PushData): boolean {
  return push.changesets.some((cs) => cs.parents.length > 1 || cs.files.some((f) => f.path === '.hgtags'));
}

/**
 * The gate's accepting verdict, and its plan. With pretxnclose installed, the verdict goes into
 * the plan for it to write the push's one record with both verdicts; when the changesets give
 * pretxnclose nothing to judge ("quiet"), the gate appends the record itself, now, while the
 * push can still be refused (an audit log that cannot be written refuses it), and
 * hooks/pretxnclose may pass without node. Without pretxnclose, or without a plan, it is
 * appended right away too.
 */
export async function leaveGateVerdict(
  root: string,
  config: TaskgateConfig,
  plan: { key: PlanKey; lines: string[] } | null,
  push: PushData,
  verdict: PlanVerdict,
  now: () => Date,
): Promise<void> {
  const refsHook = refsHookInstalled(root);
  const phases = config.policy.rules.some((r) => r.enabled !== false && r.rule === 'phases');
  const quiet = refsHook && plan !== null && verdict.event === 'push.accepted' && !phases && !touchesTags(push);
  if (quiet) await appendAudit(config.audit.path, verdict.event, verdict.data, now);
  const left = refsHook ? { ...verdict, recorded: quiet } : null;
  const written = plan !== null && writePlan(root, plan.key, plan.lines, { verdict: left, quiet });
  if (!quiet && (!written || left === null)) await appendAudit(config.audit.path, verdict.event, verdict.data, now);
}

/** The gate's verdict of this transaction and range, if it left one in its plan (the plan stays for the trigger). */
export function takeGateVerdict(root: string, key: PlanKey | null): GateVerdict | null {
  if (key === null) return null;
  const plan = readPlan(root, key, { consume: false });
  if (plan?.verdict == null) return null;
  return { ...plan.verdict, touchesTags: touchesTags(plan.push), changesets: plan.push.changesets.length };
}
