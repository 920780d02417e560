// `taskgate check`: the gate's rules against changesets already in a repository, and the refs rules on `--bookmark` moves and tags.
import { loadConfig } from '../config/load-config.js';
import { judge, type Judgement } from '../gate/judge.js';
import { judgeRefs } from '../gate/judge-refs.js';
import type { TaskgateConfig } from '../config/config-types.js';
import type { Pusher } from '../identity/pusher.js';
import { plural } from '../policy/describe.js';
import { needsTags } from '../policy/evaluate-refs.js';
import type { Violation } from '../policy/policy-types.js';
import { findRepoRoot } from '../hg/find-root.js';
import { namedPusher, resolvePusherName } from '../identity/resolve-pusher.js';
import { policyChecks } from '../policy/config-check.js';
import { formatReport } from '../policy/report.js';
import { resolve } from 'node:path';
import { EXIT } from '../errors/error-codes.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { paint, progress } from './terminal.js';

export const CHECK_USAGE = 'taskgate check [-R REPO] [-r REVSET] [--bookmark NAME=REV]... [--user NAME] [--config FILE] [--json]';

/** `taskgate check`: the gate's rules against changesets already in a repository (default: the draft ones). */
export async function checkCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs(
    'check',
    args,
    {
      repository: { type: 'string', short: 'R' },
      rev: { type: 'string', short: 'r', multiple: true },
      bookmark: { type: 'string', multiple: true },
      user: { type: 'string' },
      config: { type: 'string' },
      json: { type: 'boolean' },
    },
    CHECK_USAGE,
  );
  const root = findRepoRoot(values.repository ? resolve(io.cwd, values.repository) : io.cwd);
  const config = loadConfig({ explicit: values.config ? resolve(io.cwd, values.config) : undefined, env: io.env, root }, policyChecks());
  for (const b of values.bookmark ?? []) {
    if (!/^[^=]+=/.test(b))
      throw new TaskgateError(
        'ERR_USAGE',
        `taskgate check: --bookmark ${b} is not NAME=REV`,
        'give NAME=REV to move a bookmark, NAME= to delete it',
      );
  }
  // only bookmarks asked about: no changesets to judge
  const revs = values.rev ?? (values.bookmark ? [] : ['draft()']);
  const revset = revs.length === 0 ? 'none()' : revs.map((r) => `(${r})`).join(' or ');
  const pusher = namedPusher(values.user ?? resolvePusherName('', io.env).name, config.identity);
  const { push, verdict } = await judgeRevset(root, revset, config, pusher, io, !values.json);
  verdict.violations.push(...(await refsViolations(root, config, pusher, values.bookmark ?? [], revset, io.env)));
  const ok = verdict.violations.length === 0;
  const as = `(as ${pusher.name ?? 'the unknown pusher'})`;
  if (values.json) {
    io.out(
      `${JSON.stringify({ ok, changesets: verdict.changesets, pusher: pusher.name, violations: verdict.violations, bypassed: verdict.bypassed, exempted: verdict.exempted })}\n`,
    );
  } else if (!ok) {
    io.out(formatReport(verdict, { order: push.changesets.map((cs) => cs.node), mode: 'check' }));
  } else if (push.changesets.length > 0) {
    io.out(`taskgate: ${paint(io)('green', `${plural(push.changesets.length, 'changeset')} pass the policy`)} ${as}\n`);
  } else if (values.bookmark) {
    io.out(`taskgate: ${paint(io)('green', `${plural(values.bookmark.length, 'bookmark move')} pass the policy`)} ${as}\n`);
  } else {
    io.out(`taskgate: no changesets in ${revset}\n`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}

/** The refs rules on `--bookmark` moves and on the tags the revset changes (DESIGN §16); none when nothing asks for them. */
async function refsViolations(
  root: string,
  config: TaskgateConfig,
  pusher: Pusher,
  bookmarks: string[],
  revset: string,
  env: NodeJS.ProcessEnv,
): Promise<Violation[]> {
  if (bookmarks.length === 0 && !needsTags(config.policy.rules)) return [];
  try {
    return (await judgeRefs(root, config, pusher, { bookmarks, revset, env })).verdict.violations;
  } catch (error) {
    if (error instanceof TaskgateError && error.code === 'ERR_HG_FAILED' && /unknown revision|parse error/i.test(error.message))
      throw new TaskgateError(
        'ERR_USAGE',
        `taskgate check: hg cannot read a --bookmark revision: ${error.message.replace(/^.*\): /, '')}`,
        'give NAME=REV with a revision of this repository',
      );
    throw error;
  }
}

/** The changeset rules on a revset, with progress on a terminal (a long history takes a while). */
async function judgeRevset(
  root: string,
  revset: string,
  config: TaskgateConfig,
  pusher: Pusher,
  io: CliIo,
  show: boolean,
): Promise<Judgement> {
  const bar = progress(io, show);
  bar.update('reading changesets', true);
  return judge(root, revset, config, pusher, {
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
}
