import { loadConfig } from '../config/load-config.js';
import { judge } from '../gate/judge.js';
import { findRepoRoot } from '../hg/find-root.js';
import { namedPusher, resolvePusherName } from '../identity/resolve-pusher.js';
import { policyChecks } from '../policy/config-check.js';
import { formatReport } from '../policy/report.js';
import { resolve } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { CLI_EXIT, type CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { paint, progress } from './terminal.js';

export const CHECK_USAGE = 'taskgate check [-R REPO] [-r REVSET] [--user NAME] [--config FILE] [--json]';

/** `taskgate check`: the gate's rules against changesets already in a repository (default: the draft ones). */
export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs(
    'check',
    args,
    {
      repository: { type: 'string', short: 'R' },
      rev: { type: 'string', short: 'r', multiple: true },
      user: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
    CHECK_USAGE,
  );
  const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
  const config = loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root }, policyChecks());
  const revs = values.rev ?? ['draft()'];
  const revset = revs.map((r) => `(${r})`).join(' or ');
  const pusher = namedPusher(values.user ?? resolvePusherName('', io.env).name, config.identity);
  // progress on a terminal: a long history takes a while
  const bar = progress(io, !values.json);
  bar.update('reading changesets', true);
  const { push, verdict } = await judge(root, revset, config, pusher, {
    env: io.env,
    onChangeset: (n) => bar.update(`${n} changesets checked`),
  })
    .finally(() => bar.done())
    .catch((error: unknown) => {
      // hg refusing the revset is the user's input, not a broken environment
      if (
        error instanceof TaskgateError &&
        error.code === 'ERR_HG_FAILED' &&
        /parse error|unknown revision|syntax error|unknown identifier|not a function|ambiguous/i.test(error.message)
      ) {
        throw new TaskgateError(
          'ERR_USAGE',
          `taskgate check: hg cannot read the revset ${revset}: ${error.message.replace(/^.*\): /, '')}`,
          'see `hg help revsets`',
        );
      }
      throw error;
    });
  const ok = verdict.violations.length === 0;
  if (values.json) {
    io.out(
      `${JSON.stringify({ ok, changesets: verdict.changesets, pusher: pusher.name, violations: verdict.violations, bypassed: verdict.bypassed, exempted: verdict.exempted })}\n`,
    );
  } else if (push.changesets.length === 0) {
    io.out(`taskgate: no changesets in ${revset}\n`);
  } else if (ok) {
    io.out(
      `taskgate: ${paint(io)('green', `${push.changesets.length} changeset${push.changesets.length === 1 ? '' : 's'} pass the policy`)} (as ${pusher.name ?? 'the unknown pusher'})\n`,
    );
  } else {
    io.out(formatReport(verdict, { order: push.changesets.map((cs) => cs.node), mode: 'check' }));
  }
  return ok ? CLI_EXIT.ok : CLI_EXIT.failed;
}
