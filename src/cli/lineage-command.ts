// `taskgate lineage JOB|NODE|PUSH`: why a job ran, from its push to its tokens (DESIGN §11).
import { printable } from '../errors/printable.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { lineageOfJobs, resolveJobs } from '../exchange/lineage.js';
import { logLabel } from '../exchange/job-log.js';
import { withStore } from '../store/with-store.js';
import { describeReason } from './affected-command.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const LINEAGE_USAGE = 'taskgate lineage JOB|NODE|PUSH [-R REPO] [--json]';

/** `taskgate lineage`: why did this run. */
export async function lineageCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseCliArgs('lineage', args, REPO_OPTIONS, LINEAGE_USAGE);
  const ref = positionals[0];
  if (!ref) throw new TaskgateError('ERR_USAGE', 'taskgate lineage: give a job id, a node or a push id', `usage: ${LINEAGE_USAGE}`);
  const { root, config } = repoConfig(values, io);
  return withStore(config, async (store) => {
    const jobs = await resolveJobs(store, ref, config.repo.id);
    if (jobs.length === 0)
      throw new TaskgateError('ERR_JOB_NOT_FOUND', `no job, head or push matches ${ref}`, 'list the jobs with `taskgate jobs list`');
    const lineages = await lineageOfJobs(jobs, store, config, root, io.env);
    if (values.json) {
      io.out(`${JSON.stringify(lineages)}\n`);
      return EXIT.ok;
    }
    for (const l of lineages) {
      const who = l.push.pusher === null ? 'an unknown pusher' : printable(l.push.pusher);
      io.out(
        `job ${l.job.id}: ${l.job.task} at ${l.job.rev.slice(0, 12)} (${printable(l.job.branch)}), ${l.job.status}${l.job.reason ? ` (${printable(l.job.reason)})` : ''}\n`,
      );
      io.out(
        `  push ${l.push.id} by ${who} via ${l.push.channel}${l.push.at ? ` at ${l.push.at}` : ''}${l.push.verdict ? `, ${l.push.verdict} by the gate` : ''}\n`,
      );
      for (const c of l.changesets) io.out(`  changeset ${c.node.slice(0, 12)} ${printable(c.author)}: ${printable(c.description)}\n`);
      io.out(`  why:\n`);
      for (const r of l.reasons) io.out(`    ${describeReason(r)}\n`);
      if (l.filesMatched > l.reasons.filter((r) => r.kind === 'file').length) io.out(`    (${l.filesMatched} files matched in all)\n`);
      for (const u of l.upstream) io.out(`  after ${u.task} (${u.id}): ${u.status}\n`);
      for (const a of l.attempts) {
        io.out(
          `  attempt ${a.attempt} by ${printable(a.worker)}: ${a.outcome ?? 'running'}${a.exitCode !== null ? `, exit ${a.exitCode}` : ''}\n`,
        );
        if (a.logBytes !== null) io.out(`    ${logLabel(l.job.id, a.attempt, a.logBytes)}\n`);
      }
      io.out(`  tokens:\n`);
      for (const t of l.tokens)
        io.out(
          `    ${t.kind.padEnd(7)} ${t.jti} ${t.state}${t.prev ? ` <- ${t.prev}` : ''}${t.worker ? ` (${printable(t.worker)})` : ''}\n`,
        );
    }
    return EXIT.ok;
  });
}
