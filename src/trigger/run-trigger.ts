// The changegroup hook: a landed push becomes jobs in the store (DESIGN §9).
import { appendAudit } from '../audit/audit-log.js';
import { makeCheckpoints } from '../exchange/audit-checkpoint.js';
import { loadConfig } from '../config/load-config.js';
import { detailsLine } from '../config/push-page-url.js';
import { exitCodeOf } from '../errors/error-codes.js';
import { formatError, toTaskgateError } from '../errors/taskgate-error.js';
import { printable } from '../errors/printable.js';
import { findRepoRoot } from '../hg/find-root.js';
import { parseHookArgs, parseHookEnv } from '../hg/hook-env.js';
import { readChangesets } from '../hg/read-push.js';
import { setHgCommand } from '../hg/hg-command.js';
import { planKeyOf, readPlan } from '../hg/push-plan.js';
import { resolvePusher } from '../identity/resolve-pusher.js';
import type { PushData } from '../hg/hg-types.js';
import type { EnqueueBatch } from '../store/store-types.js';
import { landPush, type Landed } from './land-push.js';
import { planPush, type HeadPlan } from './plan-push.js';
import { buildBatch } from './push-batch.js';
import { faultPoint } from '../errors/fault-point.js';

export interface TriggerIo {
  write(text: string): void;
  cwd: string;
  now?: () => Date;
}

/** One line per head for the pusher: what was queued, or why nothing was. */
function describePlans(plans: HeadPlan[], manifestPath: string): string[] {
  return plans.map((p) => {
    const head = `${p.node.slice(0, 12)} (${printable(p.branch)})`;
    if (p.manifest === 'invalid')
      return `taskgate: ${head}: ${printable(manifestPath)} cannot be read, nothing queued: ${printable(p.problems.slice(0, 3).join('; '))}`;
    if (p.manifest === 'absent') return `taskgate: ${head}: no ${printable(manifestPath)}, nothing to run`;
    if (p.tasks.length === 0) return `taskgate: ${head}: no task affected`;
    const names =
      p.tasks
        .slice(0, 10)
        .map((t) => t.task)
        .join(', ') + (p.tasks.length > 10 ? ` and ${p.tasks.length - 10} more` : '');
    return `taskgate: ${head}: ${p.tasks.length} job${p.tasks.length === 1 ? '' : 's'} queued: ${names}`;
  });
}

/** Where a push attaches to the history: its changesets' parents from before it. */
function entriesOf(push: PushData): string[] {
  const inPush = new Set(push.changesets.map((cs) => cs.node));
  return [...new Set(push.changesets.flatMap((cs) => cs.parents).filter((p) => !inPush.has(p)))];
}

/** The pusher's lines after the push's jobs were handed on: what was queued, and any warning. */
function report(plans: HeadPlan[], manifestPath: string, batch: EnqueueBatch, landed: Landed): string[] {
  const lines = describePlans(plans, manifestPath);
  if (landed.caughtUp > 0) lines.push(`taskgate: ${landed.caughtUp} jobs of an earlier push whose hook did not finish were queued too`);
  if (landed.catchUpError)
    lines.push(`taskgate: warning: an earlier push could not be queued (${landed.catchUpError.code}); run \`taskgate reconcile\``);
  if (landed.outbox)
    lines.push(
      `taskgate: warning: the job store is unavailable (${landed.storeError?.code}); ${batch.jobs.length} jobs wait in the outbox until \`taskgate reconcile\``,
    );
  else if (landed.enqueued?.tokenError)
    lines.push(`taskgate: warning: queued tokens not minted (${landed.enqueued.tokenError.code}: ${landed.enqueued.tokenError.hint})`);
  return lines;
}

/**
 * The changegroup hook, top to bottom: the push's changesets -> each head's affected tasks
 * -> its batch -> drain the outbox, earlier unprocessed pushes, enqueue (jobs, tokens,
 * audit) -> `push.landed`. The push is already final: a failure asks for `reconcile`.
 */
export async function runTrigger(argv: string[], env: NodeJS.ProcessEnv, io: TriggerIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  try {
    const args = parseHookArgs(argv, 'changegroup');
    const hook = parseHookEnv(env, 'changegroup');
    const root = findRepoRoot(io.cwd);
    const config = loadConfig({ explicit: args.config, env, root, requireRepoId: true, remember: true });
    // strip re-adds changesets that were already there
    if (hook.source === 'strip') return 0;
    const manifestPath = config.manifest.path;
    setHgCommand(config.hg.command);
    // the gate of this transaction read the push already: no hg process when it left its plan
    const planKey = planKeyOf(hook, manifestPath);
    const plan = planKey ? readPlan(root, planKey, { consume: true }) : null;
    const push =
      plan?.push ?? (await readChangesets(root, `${hook.node}:${hook.nodeLast}`, { headStatus: true, track: [manifestPath] }, env));
    const plans = planPush(push, manifestPath);
    const pusher = resolvePusher(hook.url, env, config.identity);
    const actor = { sub: pusher.name, via: pusher.channel, groups: [...pusher.groups] };
    const last = push.changesets.at(-1)?.node ?? hook.nodeLast;
    const pushRef = { id: hook.txnId ?? `push:${hook.node}:${last}`, node: hook.node, nodeLast: last };
    const batch = buildBatch(config, plans, pushRef, actor, 'hook', now());
    faultPoint('trigger:planned');
    const landed = await landPush(root, config, env, batch, entriesOf(push), now);
    const { repo, heads } = batch.push;
    const record = {
      repo,
      txn: hook.txnId,
      node: hook.node,
      nodeLast: last,
      heads,
      pusher: pusher.name,
      channel: pusher.channel,
      groups: pusher.groups,
    };
    await appendAudit(config.audit.path, 'push.landed', record, now);
    const lines = report(plans, manifestPath, batch, landed);
    // with sqlite no service runs: the trigger anchors the audit file (every 100 records or 10 minutes)
    if (config.store.backend === 'sqlite') {
      const anchored = await makeCheckpoints(config, null, now(), true).catch((e: unknown) => toTaskgateError(e));
      if (!Array.isArray(anchored)) lines.push(`taskgate: warning: no audit checkpoint made (${anchored.code}: ${anchored.hint})`);
    }
    // the report ends with the push's page when jobs were queued or a bypass was asked for (DESIGN §17)
    const details = batch.jobs.length > 0 || hook.bypassVar !== null ? detailsLine(config, hook.txnId) : null;
    if (details) lines.push(details);
    io.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    const te = toTaskgateError(error);
    io.write(
      `${formatError(te, 'taskgate: ')}\ntaskgate: the push landed; run \`taskgate reconcile\` once this is fixed to queue its jobs\n`,
    );
    return exitCodeOf(te.code);
  }
}
