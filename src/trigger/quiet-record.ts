// The push's one audit record when hooks/pretxnclose passed it without starting node (DESIGN §13, §16):
// the gate's verdict, with the refs part pretxnclose would have written for a push that moved no ref.
import { appendAudit } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import type { PushData } from '../hg/hg-types.js';
import type { HookEnv } from '../hg/hook-env.js';
import type { PlanVerdict } from '../hg/push-plan.js';
import type { Pusher } from '../identity/pusher.js';

/** What the gate records of a push, rebuilt from the trigger's own read (a plan it could not trust). */
function gateBase(config: TaskgateConfig, hook: HookEnv, push: PushData, pusher: Pusher): Record<string, unknown> {
  const heads = push.headRevs.map((r) => push.changesets.find((cs) => cs.rev === r)?.node ?? null).filter((n) => n !== null);
  return {
    repo: config.repo.id ?? null,
    txn: hook.txnId,
    source: hook.source,
    node: hook.node,
    nodeLast: push.changesets.at(-1)?.node ?? hook.nodeLast,
    heads,
    changesets: push.changesets.length,
    pusher: pusher.name,
    channel: pusher.channel,
    groups: pusher.groups,
  };
}

/**
 * Appends `push.accepted` as pretxnclose writes it for a push that moved no bookmark, phase,
 * marker or tag: the gate's data (from its keyed plan, or rebuilt) with both verdicts.
 */
export async function recordQuietPush(
  config: TaskgateConfig,
  gate: PlanVerdict | null,
  from: { hook: HookEnv; push: PushData; pusher: Pusher },
  now: () => Date,
): Promise<void> {
  const base = gate?.event === 'push.accepted' ? gate.data : gateBase(config, from.hook, from.push, from.pusher);
  const refs = { verdict: 'accepted', bookmarks: [], tags: [], markers: 0, published: 0 };
  await appendAudit(config.audit.path, 'push.accepted', { ...base, gate: 'accepted', refs }, now);
}
