import { createHash } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { EnqueueBatch, EnqueueResult, JobStore } from '../store/store-types.js';

/** The outbox of a repository: prepared jobs that could not reach the store (DESIGN §9). */
export function outboxDir(root: string): string {
  return join(root, '.hg', 'taskgate', 'outbox');
}

function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a batch durably: a temporary file, fsync, rename, fsync of the folder. */
export function writeOutbox(root: string, batch: EnqueueBatch): string {
  const dir = outboxDir(root);
  try {
    mkdirSync(dir, { recursive: true });
    const name = `${Date.now()}-${createHash('sha256').update(batch.push.id).digest('hex').slice(0, 16)}.json`;
    const tmp = join(dir, `.${name}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, JSON.stringify(batch));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, join(dir, name));
    fsyncDir(dir);
    return join(dir, name);
  } catch (error) {
    throw new TaskgateError(
      'ERR_OUTBOX',
      `cannot write the outbox ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'free disk space under .hg/taskgate/, then run `taskgate reconcile` to enqueue the missed pushes',
    );
  }
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

/** Moves every outbox batch into the store (idempotent: job ids are deterministic); returns the batches drained. */
export async function drainOutbox(
  root: string,
  store: JobStore,
  onBatch?: (done: number, total: number) => void,
  onEnqueued?: (result: EnqueueResult) => void,
): Promise<EnqueueBatch[]> {
  const drained: EnqueueBatch[] = [];
  const files = pendingOutbox(root);
  for (const [i, file] of files.entries()) {
    onBatch?.(i + 1, files.length);
    let batch: EnqueueBatch;
    try {
      batch = JSON.parse(readFileSync(file, 'utf8')) as EnqueueBatch;
    } catch {
      // a torn or foreign file: keep it for a person to look at, out of the way
      mkdirSync(join(outboxDir(root), 'bad'), { recursive: true });
      renameSync(file, join(outboxDir(root), 'bad', file.split('/').pop()!));
      continue;
    }
    onEnqueued?.(await store.enqueue({ ...batch, push: { ...batch.push, source: 'outbox' } }));
    rmSync(file, { force: true });
    drained.push(batch);
  }
  return drained;
}
