/** Bookmark moves whose jobs are not queued yet: kept from the start of the bookmark hook to its end, replayed by reconcile. */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { JobActor } from '../jobs/job-types.js';
import { writeDurably } from './durable-file.js';

/** A move as the hook saw it, with the pusher it resolved: reconcile replays it as that pusher. */
export interface PendingMove {
  txn: string | null;
  bookmark: string;
  old: string | null;
  new: string;
  actor: JobActor;
}

function movesDir(root: string): string {
  return join(root, '.hg', 'taskgate', 'moves');
}

/** Records the move durably before any of its work; returns the file that `settleMove` removes once its jobs are handed on. */
export function recordMove(root: string, move: PendingMove): string {
  const name = `${createHash('sha256').update(`${move.txn}\n${move.bookmark}\n${move.new}`).digest('hex').slice(0, 32)}.json`;
  try {
    return writeDurably(movesDir(root), name, JSON.stringify(move));
  } catch (error) {
    throw new TaskgateError(
      'ERR_OUTBOX',
      `cannot record the bookmark move under ${movesDir(root)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'free disk space under .hg/taskgate/, then move the bookmark again',
    );
  }
}

export function settleMove(file: string): void {
  rmSync(file, { force: true });
}

/** Every move still waiting, oldest file name order; a damaged file is skipped (doctor counts it). */
export function pendingMoves(root: string): Array<{ file: string; move: PendingMove | null }> {
  let names: string[];
  try {
    names = readdirSync(movesDir(root)).filter((n) => n.endsWith('.json') && !n.startsWith('.'));
  } catch {
    return [];
  }
  return names.sort().map((n) => {
    const file = join(movesDir(root), n);
    try {
      const move = JSON.parse(readFileSync(file, 'utf8')) as PendingMove;
      return { file, move: typeof move.bookmark === 'string' && typeof move.new === 'string' ? move : null };
    } catch {
      return { file, move: null };
    }
  });
}
