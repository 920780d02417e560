// `taskgate reconcile`: drains the outbox, enqueues the pushes no hook finished and mints missing tokens, with progress on a terminal.
import { reconcile } from '../trigger/reconcile.js';
import { EXIT } from '../errors/error-codes.js';
import type { CliIo } from './cli-io.js';
import { parseCliArgs } from './parse-cli-args.js';
import { progress } from './terminal.js';
import { REPO_OPTIONS, repoConfig } from './repo-config.js';

export const RECONCILE_USAGE = 'taskgate reconcile [-R REPO] [--json]';

/** `taskgate reconcile`: drain the outbox, enqueue unprocessed pushes, mint missing tokens. */
export async function reconcileCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseCliArgs('reconcile', args, REPO_OPTIONS, RECONCILE_USAGE);
  const { root, config } = repoConfig(values, io, { requireRepoId: true, remember: true });
  // progress on a terminal: draining an outbox and reading a long history take a while
  const bar = progress(io, !values.json);
  bar.update('draining the outbox', true);
  const r = await reconcile(root, config, io.env, io.now, (text) => bar.update(text)).finally(() => bar.done());
  if (values.json) {
    io.out(
      `${JSON.stringify({ drained: r.drained, heads: r.plans.map((p) => p.node), created: r.created, existing: r.existing, minted: r.minted.map((m) => m.jti).length, moves: r.moves })}\n`,
    );
  } else {
    io.out(`outbox: ${r.drained} batch${r.drained === 1 ? '' : 'es'} drained\n`);
    io.out(
      r.plans.length === 0
        ? 'unprocessed pushes: none\n'
        : `unprocessed changesets up to ${r.plans.map((p) => p.node.slice(0, 12)).join(', ')} (pushed by ${r.actor?.sub ?? 'an unknown pusher'}): ${r.created.length} jobs created, ${r.existing.length} already there\n`,
    );
    io.out(`queued tokens minted: ${r.minted.length}\n`);
    io.out(
      `bookmark moves replayed: ${r.moves.replayed} (${r.moves.jobs} jobs)${r.moves.damaged > 0 ? `; ${r.moves.damaged} damaged records left in .hg/taskgate/moves/` : ''}\n`,
    );
  }
  return EXIT.ok;
}
