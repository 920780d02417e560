// Tasks triggered by a bookmark move (DESIGN §16): a `txnclose-bookmark` hook, run once the push
// is final, queues the tasks whose `bookmarks` globs match the moved bookmark, at its new node,
// with changed files = the status between its old and new node.
import { parseArgs } from 'node:util';
import type { RepoConfig } from '../config/config-types.js';
import { loadConfig } from '../config/load-config.js';
import { printable } from '../errors/printable.js';
import { TaskgateError, formatError, toTaskgateError } from '../errors/taskgate-error.js';
import { findRepoRoot } from '../hg/find-root.js';
import { bookmarkPushId } from '../jobs/push-id.js';
import { readBookmarkMove, type BookmarkMoveRead } from '../hg/read-bookmark-move.js';
import { resolvePusher } from '../identity/resolve-pusher.js';
import { affectedTasks, type AffectedTask } from '../manifest/affected.js';
import { parseManifest } from '../manifest/parse-manifest.js';
import { faultPoint } from '../errors/fault-point.js';
import { landPush } from './land-push.js';
import { recordMove, settleMove, type PendingMove } from './pending-moves.js';
import { buildBatch } from './push-batch.js';
import type { TriggerIo } from './run-trigger.js';

const NODE = /^[0-9a-f]{40}$/;

interface Move {
  bookmark: string;
  old: string | null;
  new: string | null;
  txn: string | null;
  source: string | null;
  url: string;
}

function parseMove(env: NodeJS.ProcessEnv): Move {
  if (env['HG_HOOKTYPE'] !== 'txnclose-bookmark') {
    throw new TaskgateError(
      env['HG_HOOKTYPE'] === undefined ? 'ERR_NOT_IN_HOOK' : 'ERR_HOOK_ENV',
      `hooks/txnclose-bookmark runs as ${env['HG_HOOKTYPE'] ?? 'no hook'}`,
      'register it as txnclose-bookmark.taskgate in hgrc (taskgate install writes it)',
    );
  }
  const node = (v: string | undefined) => (v && NODE.test(v) ? v : null);
  return {
    bookmark: env['HG_BOOKMARK'] ?? '',
    old: node(env['HG_OLDNODE']),
    new: node(env['HG_NODE']),
    txn: env['HG_TXNID'] ?? null,
    source: env['HG_SOURCE'] ?? null,
    url: env['HG_URL'] ?? '',
  };
}

/** The tasks filtered to the bookmark that the move affects, each with the move as its first reason. */
function tasksOf(move: PendingMove, read: BookmarkMoveRead, manifestPath: string, by: string | null): AffectedTask[] | string {
  if (!read.after) return `no ${printable(manifestPath)} at ${move.new.slice(0, 12)}, nothing to run`;
  const after = parseManifest(read.after, manifestPath);
  if (!after.ok) return `${printable(manifestPath)} cannot be read, nothing queued: ${printable(after.errors.slice(0, 3).join('; '))}`;
  const before = read.before ? parseManifest(read.before, manifestPath) : null;
  const why = { kind: 'bookmark', bookmark: move.bookmark, from: move.old, to: move.new, by } as const;
  return affectedTasks({ changedFiles: read.changedFiles, before, after, branch: read.branch, bookmark: move.bookmark }).map((t) => ({
    ...t,
    reasons: [why, ...t.reasons],
  }));
}

/**
 * Queues the move's jobs as `actor` pushed it: the hook's own pusher, or the one a pending
 * move recorded when reconcile replays it. Job ids are deterministic: a replay duplicates nothing.
 */
export async function queueMove(
  root: string,
  config: RepoConfig,
  move: PendingMove,
  env: NodeJS.ProcessEnv,
  now: () => Date,
  source: 'hook' | 'reconcile' = 'hook',
): Promise<{ line: string; jobs: number }> {
  const read = await readBookmarkMove(root, { old: move.old, new: move.new }, config.manifest.path, env);
  const tasks = tasksOf(move, read, config.manifest.path, move.actor.sub);
  const name = printable(move.bookmark);
  if (typeof tasks === 'string') return { line: `taskgate: bookmark ${name}: ${tasks}`, jobs: 0 };
  if (tasks.length === 0) return { line: `taskgate: bookmark ${name}: no task filtered to it is affected`, jobs: 0 };
  const plan = {
    node: move.new,
    rev: read.rev,
    branch: read.branch,
    base: null,
    changedFiles: read.changedFiles,
    manifest: 'ok' as const,
    problems: [],
    tasks,
  };
  // its own push id: the changegroup trigger of the same transaction records the pushed heads under the transaction id
  const ref = { id: bookmarkPushId(move.txn, move.bookmark, move.new), node: move.new, nodeLast: move.new };
  const batch = buildBatch(config, [plan], ref, move.actor, source, now());
  // the move's node is already on the server: nothing below it to catch up with
  const landed = await landPush(root, config, env, batch, [], now);
  const where = landed.outbox ? ' (in the outbox until `taskgate reconcile`: the store is unavailable)' : '';
  const line = `taskgate: bookmark ${name} moved to ${move.new.slice(0, 12)}: ${tasks.length} job${tasks.length === 1 ? '' : 's'} queued${where}: ${tasks.map((t) => t.task).join(', ')}`;
  return { line, jobs: tasks.length };
}

/** The txnclose-bookmark hook: bookmark -> manifest -> tasks filtered to it -> jobs. The move is already final. */
export async function runBookmarkTrigger(argv: string[], env: NodeJS.ProcessEnv, io: TriggerIo): Promise<number> {
  try {
    const { values } = parseArgs({ args: argv, options: { config: { type: 'string' } }, strict: true });
    const move = parseMove(env);
    const root = findRepoRoot(io.cwd);
    const config = loadConfig({ explicit: values.config, env, root, requireRepoId: true, remember: true });
    // only pushes: a bookmark an admin moves on the server itself queues nothing; a deleted one runs nothing
    if (move.source === null || !config.gate.sources.includes(move.source) || move.new === null) return 0;
    const pusher = resolvePusher(move.url, env, config.identity);
    const pending: PendingMove = {
      txn: move.txn,
      bookmark: move.bookmark,
      old: move.old,
      new: move.new,
      actor: { sub: pusher.name, via: pusher.channel, groups: [...pusher.groups] },
    };
    // kept until its jobs are handed on (store or outbox): a hook that dies on the way leaves it for reconcile
    const file = recordMove(root, pending);
    faultPoint('bookmark:recorded');
    const { line } = await queueMove(root, config, pending, env, io.now ?? (() => new Date()));
    settleMove(file);
    io.write(`${line}\n`);
    return 0;
  } catch (error) {
    io.write(
      `${formatError(toTaskgateError(error), 'taskgate: ')}\ntaskgate: the bookmark moved, but its tasks were not queued: run \`taskgate reconcile\` once this is fixed\n`,
    );
    return 1;
  }
}
