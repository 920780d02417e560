// `taskgate affected -r REVSET`: the tasks the trigger plans for these revisions taken as one push, and why each was affected.
import { printable } from '../errors/printable.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { readChangesets } from '../hg/read-push.js';
import type { AffectedReason } from '../manifest/affected.js';
import { describeReason as describeReasonIn } from '../manifest/describe-reason.js';
import { planPush } from '../trigger/plan-push.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const AFFECTED_USAGE = 'taskgate affected [-R REPO] -r REVSET [--json]';

/** Why a task was affected, for a terminal: pushed names escaped. */
export const describeReason = (r: AffectedReason): string => describeReasonIn(r, printable);

/** `taskgate affected`: what the trigger did or would do for these revisions taken as one push. */
export async function affectedCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs(
    'affected',
    args,
    { ...REPO_OPTIONS, rev: { type: 'string', short: 'r', multiple: true } },
    AFFECTED_USAGE,
  );
  if (!values.rev) throw new TaskgateError('ERR_USAGE', 'taskgate affected: -r REVSET is required', `usage: ${AFFECTED_USAGE}`);
  const { root, config } = repoConfig(values, io);
  const revset = values.rev.map((r) => `(${r})`).join(' or ');
  const push = await readChangesets(root, revset, { headStatus: true, track: [config.manifest.path] }, io.env);
  const plans = planPush(push, config.manifest.path);
  if (values.json) {
    io.out(
      `${JSON.stringify({
        heads: plans.map((p) => ({
          node: p.node,
          branch: p.branch,
          base: p.base,
          changedFiles: p.changedFiles.length,
          manifest: p.manifest,
          problems: p.problems,
          tasks: p.tasks.map((t) => ({ task: t.task, requires: t.requires, reasons: t.reasons, filesMatched: t.filesMatched })),
        })),
      })}\n`,
    );
    return EXIT.ok;
  }
  if (plans.length === 0) io.out(`no changesets in ${revset}\n`);
  for (const p of plans) {
    io.out(
      `head ${p.node.slice(0, 12)} (${printable(p.branch)}): ${p.changedFiles.length} changed file${p.changedFiles.length === 1 ? '' : 's'}\n`,
    );
    if (p.manifest === 'absent') io.out(`  no ${config.manifest.path} at this head\n`);
    if (p.manifest === 'invalid') for (const e of p.problems) io.out(`  ${printable(e)}\n`);
    if (p.manifest === 'ok' && p.tasks.length === 0) io.out('  no task affected\n');
    const width = Math.max(0, ...p.tasks.map((t) => t.task.length));
    for (const t of p.tasks) {
      const more =
        t.filesMatched > t.reasons.filter((r) => r.kind === 'file').length
          ? ` (+${t.filesMatched - t.reasons.filter((r) => r.kind === 'file').length} more files)`
          : '';
      io.out(`  ${t.task.padEnd(width)}  ${t.reasons.map(describeReason).join('; ')}${more}\n`);
    }
  }
  return EXIT.ok;
}
