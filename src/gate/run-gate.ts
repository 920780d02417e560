// The pretxnchangegroup hook: env -> changesets -> identity -> policy -> verdict, bounded by gate.timeout, failing closed.
import type { TaskgateConfig } from '../config/config-types.js';
import { detailsLine } from '../config/push-page-url.js';
import { durationSeconds } from '../config/duration.js';
import { loadConfig } from '../config/load-config.js';
import { appendAudit } from '../audit/audit-log.js';
import { printable } from '../errors/printable.js';
import { TaskgateError, formatError, toTaskgateError } from '../errors/taskgate-error.js';
import { EXIT, exitCodeOf } from '../errors/error-codes.js';
import type { ChgSession } from '../hg/chg-session.js';
import { findRepoRoot } from '../hg/find-root.js';
import { resumeHg, stopAllHg } from '../hg/hg-children.js';
import { setHgCommand } from '../hg/hg-command.js';
import { parseHookArgs, parseHookEnv, type HookEnv } from '../hg/hook-env.js';
import { planKeyOf, type PlanKey } from '../hg/push-plan.js';
import type { Pusher } from '../identity/pusher.js';
import { resolvePusher } from '../identity/resolve-pusher.js';
import { policyChecks } from '../policy/config-check.js';
import { formatReport } from '../policy/report.js';
import { judge, type Judgement } from './judge.js';
import { leaveGateVerdict } from './txn-verdict.js';

export interface GateIo {
  /** Where the pusher's text goes (Mercurial relays it with "remote: "). */
  write(text: string): void;
  cwd: string;
  now?: () => Date;
  /** chg's session, opened by hooks/pretxnchangegroup before this code loaded (hg/chg-early.ts). */
  session?: ChgSession | null;
}

/** The pretxnchangegroup hook: env -> changesets -> identity -> policy -> verdict. Fails closed. */
export async function runGate(argv: string[], env: NodeJS.ProcessEnv, io: GateIo): Promise<number> {
  resumeHg();
  let hook: HookEnv;
  let args: { config?: string };
  try {
    args = parseHookArgs(argv, 'pretxnchangegroup');
    hook = parseHookEnv(env, 'pretxnchangegroup');
  } catch (error) {
    const te = toTaskgateError(error);
    io.write(`${formatError(te, 'taskgate: ')}\n`);
    return exitCodeOf(te.code);
  }
  let config: TaskgateConfig | null = null;
  try {
    const root = findRepoRoot(io.cwd);
    // patterns are checked by RE2 once it is loaded, while hg starts (judge)
    config = loadConfig({ explicit: args.config, env, root, remember: true }, policyChecks({ regexes: false }));
    if (!config.gate.sources.includes(hook.source)) return EXIT.ok;
    setHgCommand(config.hg.command);
    const pusher = resolvePusher(hook.url, env, config.identity);
    const planKey = planKeyOf(hook, config.manifest.path);
    const judging = { env, bypassReason: hook.bypassVar, recordPlan: planKey !== null, session: io.session ?? null };
    const loaded = config;
    const judged = () => judge(root, `${hook.node}:${hook.nodeLast}`, loaded, pusher, judging);
    const { push, verdict, planLines } = await withinLimit(judged, config.gate.timeout);
    const heads = push.headRevs.map((r) => push.changesets.find((cs) => cs.rev === r)!.node);
    const base = {
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
    const now = io.now ?? (() => new Date());
    if (verdict.violations.length > 0) {
      await appendAudit(
        config.audit.path,
        'push.rejected',
        { ...base, violations: verdict.violations, bypassed: verdict.bypassed, exempted: verdict.exempted },
        now,
      );
      io.write(formatReport(verdict, { order: push.changesets.map((cs) => cs.node), max: config.gate.maxViolations, mode: 'push' }));
      const details = detailsLine(config, hook.txnId);
      if (details) io.write(`${details}\n`);
      return EXIT.failed;
    }
    // only an accepted push leaves a plan; the later hooks read for themselves when there is none
    const plan = planKey && planLines ? { key: planKey, lines: planLines } : null;
    await recordAccepted(root, config, plan, { push, verdict }, { base, pusher, now, io });
    return EXIT.ok;
  } catch (error) {
    const te = toTaskgateError(error);
    io.write(`taskgate: push rejected: the policy could not be checked\n${formatError(te, 'taskgate: ')}\ntaskgate: nothing was added\n`);
    if (config && te.code === 'ERR_INTERNAL') await logInternal(config, error);
    return exitCodeOf(te.code);
  }
}

/**
 * The judgement, or ERR_GATE_TIMEOUT once `gate.timeout` has passed: then every hg run of the
 * gate is stopped first (its children killed, chg's worker too), as hg's lock waits for the gate.
 */
async function withinLimit<T>(judging: () => Promise<T>, timeout: string): Promise<T> {
  const ms = durationSeconds(timeout, 'gate.timeout') * 1000;
  // setTimeout cannot wait longer than ~24.8 days (it fires at once), and under a second is no limit to read a push by
  if (ms < 1000 || ms > 86_400_000) {
    throw new TaskgateError(
      'ERR_CONFIG_INVALID',
      `gate.timeout ${JSON.stringify(timeout)} is out of range`,
      'use a duration from 1s to 24h',
    );
  }
  const judged = judging();
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stopAllHg();
      const why = `the gate did not decide within gate.timeout (${timeout}); its hg read was stopped`;
      reject(new TaskgateError('ERR_GATE_TIMEOUT', why, 'raise gate.timeout in .hg/taskgate.json, or push fewer changesets at once'));
    }, ms);
  });
  // the read that was stopped fails later, after the refusal: nobody waits for it then
  judged.catch(() => undefined);
  try {
    return await Promise.race([judged, limit]);
  } finally {
    clearTimeout(timer);
  }
}

/** An accepted push: its exemptions now, its verdict left in the plan for the hook that records the push. */
async function recordAccepted(
  root: string,
  config: TaskgateConfig,
  plan: { key: PlanKey; lines: string[] } | null,
  { push, verdict }: Pick<Judgement, 'push' | 'verdict'>,
  { base, pusher, now, io }: { base: Record<string, unknown>; pusher: Pusher; now: () => Date; io: GateIo },
): Promise<void> {
  // each exemption by a rule's exemptWhen is a record of its own (DESIGN §18)
  for (const e of verdict.exempted) await appendAudit(config.audit.path, 'push.exempted', { ...base, ...e }, now);
  if (verdict.bypassed.length > 0) {
    const data = { ...base, verdict: 'accepted', bypassed: verdict.bypassed };
    await leaveGateVerdict(root, config, plan, push, { event: 'push.bypassed', data }, now);
    // the reason is the pusher's own text: escaped like every other line they see
    io.write(
      `taskgate: policy bypassed by ${printable(pusher.name ?? '')}: ${printable(verdict.bypassed.map((b) => b.reason).join('; '))}\n`,
    );
  } else {
    await leaveGateVerdict(root, config, plan, push, { event: 'push.accepted', data: base }, now);
  }
}

/** A bug, for the service log (loaded only now: pino stays off the gate's path). */
async function logInternal(config: TaskgateConfig, error: unknown): Promise<void> {
  try {
    const { getLogger } = await import('../log/logger.js');
    (await getLogger(config.log.path, config.log.level)).error({ err: error, code: 'ERR_INTERNAL' }, 'gate failed');
  } catch {
    // the pusher already has the error; a log that cannot be written must not hide it
  }
}
