// The pretxnclose hook (DESIGN §16): bookmarks, phases, markers and tags of a transaction against the policy.
import { parseArgs } from 'node:util';
import { appendAudit } from '../audit/audit-log.js';
import type { TaskgateConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import { printable } from '../errors/printable.js';
import { formatError, toTaskgateError, TaskgateError } from '../errors/taskgate-error.js';
import { findRepoRoot } from '../hg/find-root.js';
import { planKeyOf } from '../hg/push-plan.js';
import { readRefs } from '../hg/read-refs.js';
import type { RefChanges } from '../hg/refs-types.js';
import { grants } from '../identity/who-list.js';
import type { Pusher } from '../identity/pusher.js';
import { resolvePusher } from '../identity/resolve-pusher.js';
import { evaluateRefs, hasRefsRules, needsTags } from '../policy/evaluate-refs.js';
import type { Verdict } from '../policy/evaluate.js';
import { loadPatternEngine } from '../policy/patterns.js';
import { formatReport } from '../policy/report.js';
import { parseRefsHookEnv, type RefsHookEnv } from './refs-hook-env.js';
import { refsWithoutHg } from './refs-fast-path.js';
import type { GateIo } from './run-gate.js';
import { takeGateVerdict, type GateVerdict } from './txn-verdict.js';

/** Exit codes of the hook: Mercurial only sees non-zero. */
const EXIT = { accept: 0, reject: 1, usage: 2 } as const;

function parseHookArgs(argv: string[]): { config?: string } {
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true, allowPositionals: false });
    return values.config === undefined ? {} : { config: values.config };
  } catch (error) {
    throw new TaskgateError('ERR_USAGE', `bad hook arguments: ${(error as Error).message}`, 'the hook takes only --config PATH');
  }
}

/** What the transaction changed besides changesets: read by hg, or known without it (see refs-fast-path). */
async function refsOf(
  root: string,
  env: NodeJS.ProcessEnv,
  hook: RefsHookEnv,
  config: TaskgateConfig,
  gate: GateVerdict | null,
): Promise<RefChanges> {
  const rules = config.policy.rules;
  if (!hasRefsRules(rules)) return { bookmarks: [], published: [], markers: [], tags: [], changesets: gate?.changesets ?? 0 };
  const known = refsWithoutHg(root, env, gate, rules);
  // nothing moved: no rule compiles a pattern, so RE2 is not even loaded
  if (known) return known;
  // hg first (its process starts now), the pattern engine while it runs
  const [refs] = await Promise.all([readRefs(root, { txn: true, newFrom: hook.node, tags: needsTags(rules) }, env), loadPatternEngine()]);
  return refs;
}

/** The one audit record of the push: the gate's verdict (if it ran) and this one's, under one transaction id. */
async function record(
  config: TaskgateConfig,
  hook: RefsHookEnv,
  pusher: Pusher,
  gate: GateVerdict | null,
  refs: RefChanges,
  verdict: Verdict,
  now: () => Date,
): Promise<void> {
  const moved = refs.bookmarks.length + refs.markers.length + refs.tags.length + refs.published.filter((p) => p.old !== null).length > 0;
  const rejected = verdict.violations.length > 0;
  const gateBypassed = (gate?.data['bypassed'] as unknown[] | undefined) ?? [];
  // a push-wide bypass (--pushvars) reaches both hooks: recorded once
  const seen = new Set(gateBypassed.map((b) => JSON.stringify(b)));
  const bypassed = [...gateBypassed, ...verdict.bypassed.filter((b) => !seen.has(JSON.stringify(b)))];
  // nothing for pretxnclose to add: no gate verdict to carry, or the gate recorded the push itself (quiet)
  if (!rejected && (gate === null || gate.recorded === true) && !moved && bypassed.length === 0) return;
  const base = gate?.data ?? {
    repo: config.repo.id ?? null,
    txn: hook.txnId,
    source: hook.source,
    node: hook.node,
    changesets: refs.changesets,
    pusher: pusher.name,
    channel: pusher.channel,
    groups: pusher.groups,
  };
  const summary = {
    verdict: rejected ? 'rejected' : verdict.bypassed.length > 0 ? 'bypassed' : 'accepted',
    bookmarks: refs.bookmarks,
    tags: refs.tags,
    markers: refs.markers.length,
    published: refs.published.length,
  };
  const both = { ...base, gate: gate === null ? null : gate.event.replace('push.', ''), refs: summary };
  if (rejected) await appendAudit(config.audit.path, 'push.rejected', { ...both, violations: verdict.violations, bypassed }, now);
  else if (bypassed.length > 0) await appendAudit(config.audit.path, 'push.bypassed', { ...both, verdict: 'accepted', bypassed }, now);
  else await appendAudit(config.audit.path, 'push.accepted', both, now);
}

/** The pretxnclose hook: bookmarks, phases, obsolescence markers and tags of the transaction -> policy -> verdict. Fails closed. */
export async function runRefsGate(argv: string[], env: NodeJS.ProcessEnv, io: GateIo): Promise<number> {
  let hook: RefsHookEnv;
  let args: { config?: string };
  try {
    args = parseHookArgs(argv);
    hook = parseRefsHookEnv(env);
  } catch (error) {
    io.write(`${formatError(toTaskgateError(error), 'taskgate: ')}\n`);
    return EXIT.usage;
  }
  try {
    const root = findRepoRoot(io.cwd);
    const config = loadConfig({ explicit: args.config, env, root, remember: true });
    // a transaction that is no push (a commit or `hg phase` on the server) is the admin's own
    if (hook.source === null || !config.gate.sources.includes(hook.source)) return EXIT.accept;
    const pusher = resolvePusher(hook.url, env, config.identity);
    // the gate of this very transaction and range left its verdict in its keyed plan
    const key =
      hook.node && hook.nodeLast ? planKeyOf({ txnId: hook.txnId, node: hook.node, nodeLast: hook.nodeLast }, config.manifest.path) : null;
    const gate = takeGateVerdict(root, key);
    const refs = await refsOf(root, env, hook, config, gate);
    const verdict = evaluateRefs(
      config.policy.rules,
      refs,
      { pusher, grants: (who) => grants(who, pusher) },
      {
        who: config.gate.bypass?.who,
        pushReason: hook.bypassVar,
      },
    );
    await record(config, hook, pusher, gate, refs, verdict, io.now ?? (() => new Date()));
    if (verdict.violations.length > 0) {
      io.write(formatReport(verdict, { order: [], max: config.gate.maxViolations, mode: 'push' }));
      return EXIT.reject;
    }
    if (verdict.bypassed.length > 0 && gate?.event !== 'push.bypassed')
      io.write(
        `taskgate: policy bypassed by ${printable(pusher.name ?? '')}: ${printable(verdict.bypassed.map((b) => b.reason).join('; '))}\n`,
      );
    return EXIT.accept;
  } catch (error) {
    io.write(
      `taskgate: push rejected: the policy could not be checked\n${formatError(toTaskgateError(error), 'taskgate: ')}\ntaskgate: nothing was added or moved\n`,
    );
    return EXIT.reject;
  }
}
