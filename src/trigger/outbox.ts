// The trigger's outbox: prepared jobs that could not reach the store, kept durably until the next run drains them.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { TaskgateConfig } from '../config/config-types.js';
import { TaskgateError } from '../errors/taskgate-error.js';
import { enqueuePush } from '../exchange/enqueue-push.js';
import type { Minted } from '../exchange/mint-queued-tokens.js';
import type { EnqueueBatch, JobStore } from '../store/store-types.js';
import { writeDurably } from './durable-file.js';

/** The outbox of a repository: prepared jobs that could not reach the store (DESIGN §9). */
function outboxDir(root: string): string {
  return join(root, '.hg', 'taskgate', 'outbox');
}

/**
 * Writes a batch durably: a temporary file, fsync, rename, fsync of the folder. An older batch of
 * the same push (a trigger run again after it was killed) is then dropped: the new one holds
 * the same jobs, so the outbox keeps one batch per push.
 */
export function writeOutbox(root: string, batch: EnqueueBatch): string {
  const dir = outboxDir(root);
  const suffix = `-${createHash('sha256').update(batch.push.id).digest('hex').slice(0, 16)}.json`;
  const name = `${Date.now()}${suffix}`;
  let written: string;
  try {
    written = writeDurably(dir, name, JSON.stringify(batch));
  } catch (error) {
    throw new TaskgateError(
      'ERR_OUTBOX',
      `cannot write the outbox ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'free disk space under .hg/taskgate/, then run `taskgate reconcile` to enqueue the missed pushes',
    );
  }
  // best effort: an older batch left behind is only drained again, and enqueues nothing twice
  try {
    for (const other of readdirSync(dir)) if (other !== name && other.endsWith(suffix)) rmSync(join(dir, other), { force: true });
  } catch {
    // left for the drain
  }
  return written;
}

export function pendingOutbox(root: string): string[] {
  try {
    return readdirSync(outboxDir(root))
      .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
      .sort()
      .map((n) => join(outboxDir(root), n));
  } catch {
    return [];
  }
}

/**
 * Step one of the trigger: every batch of the outbox goes through the enqueue step
 * (idempotent: job ids are deterministic), oldest first; returns how many were drained and
 * the queued tokens minted on the way.
 */
export async function drainOutbox(
  root: string,
  store: JobStore,
  config: TaskgateConfig,
  now: () => Date,
  onBatch?: (done: number, total: number) => void,
): Promise<{ drained: number; minted: Minted[] }> {
  const files = pendingOutbox(root);
  let drained = 0;
  const minted: Minted[] = [];
  for (const [i, file] of files.entries()) {
    onBatch?.(i + 1, files.length);
    const batch = readBatch(root, file);
    if (!batch) continue;
    const enqueued = await enqueuePush(store, config, { ...batch, push: { ...batch.push, source: 'outbox' } }, now, { drained: true });
    minted.push(...enqueued.minted);
    rmSync(file, { force: true });
    drained += 1;
  }
  return { drained, minted };
}

/** An outbox file's batch; a torn or foreign file is moved out of the way, for a person to look at. */
function readBatch(root: string, file: string): EnqueueBatch | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as EnqueueBatch;
  } catch {
    mkdirSync(join(outboxDir(root), 'bad'), { recursive: true });
    renameSync(file, join(outboxDir(root), 'bad', basename(file)));
    return null;
  }
}
