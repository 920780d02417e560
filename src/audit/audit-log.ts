// The hash-chained audit file: records appended under a lock and fsynced, its chain-head sidecar, and the checks of `audit verify`.
import { createHash } from 'node:crypto';
import {
  close,
  closeSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  fstatSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import { canonicalJson } from '../config/canonical-json.js';
import { withFileLock } from './file-lock.js';

export type AuditEvent =
  | 'push.accepted'
  | 'push.rejected'
  | 'push.bypassed'
  | 'push.exempted'
  | 'push.landed'
  | 'jobs.enqueued'
  | 'job.claimed'
  | 'job.completed'
  | 'job.failed'
  | 'job.superseded'
  | 'token.replay'
  | 'keys.rotated';

export interface AuditRecord {
  seq: number;
  ts: string;
  event: AuditEvent;
  data: Record<string, unknown>;
  prev: string;
  hash: string;
}

const GENESIS = '0'.repeat(64);

export function recordHash(record: Omit<AuditRecord, 'hash'>): string {
  return createHash('sha256').update(record.prev).update(canonicalJson(record)).digest('hex');
}

/** The last complete line of the log, read from its end so an append costs the same however long the log is. */
export function lastLine(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const size = fstatSync(fd).size;
    let chunk = 4096;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8').replace(/\n+$/, '');
      const nl = text.lastIndexOf('\n');
      if (nl >= 0 || start === 0) return text.slice(nl + 1) || null;
      chunk *= 4;
    }
  } finally {
    closeSync(fd);
  }
}

/** The sidecar that remembers the chain head, so that a cut-off tail is detected too. */
export function headPath(logPath: string): string {
  return `${logPath}.head`;
}

/** The head's fixed width: every head is rewritten in place, whole, in one write. */
const HEAD_BYTES = 128;

/**
 * Records the chain head, under the log's lock. Rewritten in place, padded to a fixed width
 * (JSON ignores the spaces), in one write of one sector: replacing the file through a rename
 * made ext4 write the new file out at once (auto_da_alloc), an extra disk round trip on every
 * record. A head that is missing or not of that width (an older version's) is replaced whole.
 */
function writeHead(path: string, head: { seq: number; hash: string }): void {
  const text = `${JSON.stringify(head).padEnd(HEAD_BYTES - 1)}\n`;
  let fd: number | null = null;
  try {
    fd = openSync(path, 'r+');
    if (fstatSync(fd).size === HEAD_BYTES && text.length === HEAD_BYTES) {
      writeSync(fd, text, 0);
      return;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  } finally {
    if (fd !== null) closeSync(fd);
  }
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

/**
 * The background fsyncs of this process in flight, per file. Each is started under the log's
 * lock, so the bound holds however many appends run at once; past it, or after a background
 * fsync failed, a record is forced to disk at once, and a failure then fails that append.
 */
const syncing = new Map<string, number>();
const failedSync = new Set<string>();
const MAX_SYNCING = 8;

/** One record at the end of the file, forced to disk now, or (`background`) by an fsync on the thread pool. */
function writeRecord(path: string, line: string, background: boolean): void {
  const fd = openSync(path, 'a', 0o640);
  const inFlight = syncing.get(path) ?? 0;
  if (!background || inFlight >= MAX_SYNCING || failedSync.has(path)) {
    try {
      writeSync(fd, line);
      fsyncSync(fd);
      failedSync.delete(path);
    } finally {
      closeSync(fd);
    }
    return;
  }
  try {
    writeSync(fd, line);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
  syncing.set(path, inFlight + 1);
  fsync(fd, (error) =>
    close(fd, () => {
      syncing.set(path, (syncing.get(path) ?? 1) - 1);
      if (error) failedSync.add(path);
    }),
  );
}

/**
 * Appends one hash-chained record under an exclusive lock and fsyncs it. Never pass a
 * token, key or secret in `data`: the log is for auditors' eyes (log `jti`s instead).
 *
 * `background` (the exchange's job events): the record is in the file, for every reader and
 * past a crash of this process, when this resolves; the fsync that forces it to disk runs on
 * the thread pool meanwhile (at most MAX_SYNCING per file; after one failed, the next records
 * are forced at once, and fail their append if the disk still fails). A job event is then as
 * durable as the exchange it records (SQLite commits in WAL mode with `synchronous = NORMAL`,
 * which a power cut may also take back); the gate's records wait for the disk.
 */
export async function appendAudit(
  path: string,
  event: AuditEvent,
  data: Record<string, unknown>,
  now: () => Date = () => new Date(),
  options: { background?: boolean } = {},
): Promise<AuditRecord> {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new TaskgateError(
      'ERR_AUDIT_WRITE',
      `cannot create the audit directory ${dirname(path)}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
      'make it writable by the account that serves pushes',
    );
  }
  return withFileLock(`${path}.lock`, () => {
    try {
      const last = lastLine(path);
      const record = nextRecord(last ? (JSON.parse(last) as AuditRecord) : null, event, data, now);
      writeRecord(path, `${JSON.stringify(record)}\n`, options.background === true);
      writeHead(headPath(path), { seq: record.seq, hash: record.hash });
      return record;
    } catch (error) {
      if (error instanceof TaskgateError) throw error;
      throw new TaskgateError(
        'ERR_AUDIT_WRITE',
        `cannot append to the audit log ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        'check the disk space and permissions of .hg/taskgate/; the push was refused, nothing was added',
        { cause: error },
      );
    }
  });
}

export interface AuditCheck {
  ok: boolean;
  records: number;
  problems: string[];
}

/** Checks the chain: every edit, deletion, reordering or cut-off tail shows as a problem naming its line. */
export function verifyAudit(path: string): AuditCheck {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ok: true, records: 0, problems: [] };
    throw new TaskgateError('ERR_AUDIT_BROKEN', `cannot read the audit log ${path}`, 'check its permissions');
  }
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let head: { seq: number; hash: string } | null;
  try {
    head = JSON.parse(readFileSync(headPath(path), 'utf8')) as { seq: number; hash: string };
  } catch {
    head = null;
  }
  return checkChain(lines, head, `the chain head ${headPath(path)}`);
}

/**
 * The checks of `audit verify` on records in order (lines of the file, or rows of a store):
 * every edit, deletion, reordering or cut-off tail shows as a problem naming its line.
 */
export function checkChain(lines: string[], head: { seq: number; hash: string } | null, headName: string): AuditCheck {
  const problems: string[] = [];
  let prev = GENESIS;
  let seq = 0;
  lines.forEach((line, i) => {
    const where = `line ${i + 1}`;
    let rec: AuditRecord;
    try {
      rec = JSON.parse(line) as AuditRecord;
    } catch {
      problems.push(`${where}: not a JSON record`);
      return;
    }
    const { hash, ...body } = rec;
    if (rec.seq !== seq + 1) problems.push(`${where}: seq ${rec.seq} follows ${seq} (a record was deleted or moved)`);
    if (rec.prev !== prev) problems.push(`${where}: prev does not match the hash of the record before it (deleted, reordered or edited)`);
    if (recordHash(body) !== hash) problems.push(`${where}: hash does not match its content (the record was edited)`);
    prev = hash;
    seq = rec.seq;
  });
  if (head) {
    if (head.seq !== seq || head.hash !== prev) {
      problems.push(
        `end of log: the last record is seq ${seq}, but the chain head says seq ${head.seq} (the tail was cut off or replaced)`,
      );
    }
  } else if (lines.length > 0) problems.push(`end of log: ${headName} is missing`);
  return { ok: problems.length === 0, records: lines.length, problems };
}

/** The next record after `previous` (null: the first). */
export function nextRecord(
  previous: { seq: number; hash: string } | null,
  event: AuditEvent,
  data: Record<string, unknown>,
  now: () => Date,
): AuditRecord {
  const body: Omit<AuditRecord, 'hash'> = {
    seq: (previous?.seq ?? 0) + 1,
    ts: now().toISOString(),
    event,
    data,
    prev: previous?.hash ?? GENESIS,
  };
  return { ...body, hash: recordHash(body) };
}
