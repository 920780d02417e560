import { parseArgs } from 'node:util';
import { appendAudit } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import { formatError, toTaskgateError } from '../errors/taskgate-error.js';
import { printable } from '../errors/printable.js';
import { findRepoRoot } from '../hg/find-root.js';
import { parseHookEnv } from '../hg/hook-env.js';
import { readChangesets } from '../hg/read-push.js';
import { setHgCommand } from '../hg/hg-command.js';
import { planKeyOf, readPlan } from '../hg/push-plan.js';
import { resolvePusher } from '../identity/resolve-pusher.js';
import { buildBatch, commitBatch, repoId } from './enqueue-push.js';
import { enqueueUncovered } from './reconcile.js';
import { planPush, type HeadPlan } from './plan-push.js';
import { faultPoint } from '../errors/fault-point.js';

export interface TriggerIo {
  write(text: string): void;
  cwd: string;
  now?: () => Date;
}

/** One line per head for the pusher: what was queued, or why nothing was. */
export function describePlans(plans: HeadPlan[], manifestPath: string): string[] {
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

/** The changegroup hook: changesets -> manifest -> affected -> jobs -> store -> tokens. The push is already final. */
export async function runTrigger(argv: string[], env: NodeJS.ProcessEnv, io: TriggerIo): Promise<number> {
  const now = io.now ?? (() => new Date());
  let config: TaskgateConfig;
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
    const hook = parseHookEnv(env);
    const root = findRepoRoot(io.cwd);
    config = loadConfig({ explicit: values.config, env, root });
    repoId(config);
    // strip re-adds changesets that were already there
    if (hook.source === 'strip') return 0;
    const manifestPath = config.manifest.path;
    setHgCommand(config.hg.command);
    // the gate of this transaction read the push already: no hg process when it left its plan
    const planKey = planKeyOf(hook, manifestPath);
    const push =
      (planKey && readPlan(root, planKey, { consume: true })) ??
      (await readChangesets(root, `${hook.node}:${hook.nodeLast}`, { headStatus: true, track: [manifestPath] }, env));
    const plans = planPush(push, manifestPath);
    const pusher = resolvePusher(hook.url, env, config.identity);
    const actor = { sub: pusher.name, via: pusher.channel, groups: pusher.groups } as const;
    const last = push.changesets.at(-1)?.node ?? hook.nodeLast;
    const pushRef = { id: hook.txnId ?? `push:${hook.node}:${last}`, node: hook.node, nodeLast: last };
    const batch = buildBatch(config, plans, pushRef, { ...actor, groups: [...actor.groups] }, 'hook', now());
    faultPoint('trigger:planned');
    // where this push attaches to the history: its changesets' parents from before it
    const inPush = new Set(push.changesets.map((cs) => cs.node));
    const entries = [...new Set(push.changesets.flatMap((cs) => cs.parents).filter((p) => !inPush.has(p)))];
    let caughtUp = 0;
    const committed = await commitBatch(
      root,
      config,
      batch,
      now,
      (c) => ({
        repo: batch.push.repo,
        push: batch.push.id,
        heads: batch.push.heads,
        created: c.result!.created,
        existing: c.result!.existing,
        tokens: c.minted.map((m) => ({ job: m.job, jti: m.jti })),
      }),
      async (store) => {
        // a push whose hook did not finish (crashed, or runs late) would be covered by this
        // one's head from now on: queue its jobs first, as its own push (ids are deterministic,
        // so its own hook, or reconcile, coming later find them there)
        const processed = new Set(await store.processedHeads(batch.push.repo, entries));
        const open = entries.filter((node) => !processed.has(node));
        if (open.length === 0) return;
        caughtUp = (await enqueueUncovered(store, root, config, env, now, `::(${open.join(' or ')})`)).created.length;
      },
    );
    const lines = describePlans(plans, manifestPath);
    if (caughtUp > 0) lines.push(`taskgate: ${caughtUp} jobs of an earlier push whose hook did not finish were queued too`);
    if (committed.catchUpError)
      lines.push(`taskgate: warning: an earlier push could not be queued (${committed.catchUpError.code}); run \`taskgate reconcile\``);
    const landed = {
      repo: batch.push.repo,
      txn: hook.txnId,
      node: hook.node,
      nodeLast: last,
      heads: batch.push.heads,
      pusher: pusher.name,
      channel: pusher.channel,
      groups: pusher.groups,
    };
    await appendAudit(config.audit.path, 'push.landed', landed, now);
    if (committed.outbox) {
      lines.push(
        `taskgate: warning: the job store is unavailable (${committed.storeError?.code}); ${batch.jobs.length} jobs wait in the outbox until \`taskgate reconcile\``,
      );
    } else {
      if (committed.tokenError)
        lines.push(`taskgate: warning: queued tokens not minted (${committed.tokenError.code}: ${committed.tokenError.hint})`);
    }
    io.write(`${lines.join('\n')}\n`);
    return 0;
  } catch (error) {
    io.write(
      `${formatError(toTaskgateError(error), 'taskgate: ')}\ntaskgate: the push landed; run \`taskgate reconcile\` once this is fixed to queue its jobs\n`,
    );
    return 1;
  }
}
