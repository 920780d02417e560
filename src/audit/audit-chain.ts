// A hash-chained audit trail behind one interface: the repository's audit file, or a chain a store keeps in its rows (DESIGN §11).
import { readFileSync } from 'node:fs';
import { TaskgateError } from '../errors/taskgate-error.js';
import {
  appendAudit,
  checkChain,
  lastLine,
  nextRecord,
  verifyAudit,
  type AuditCheck,
  type AuditEvent,
  type AuditRecord,
} from './audit-log.js';

/**
 * Where a store keeps an audit chain (DESIGN §11: a locked chain-head row in postgres). The
 * store only moves rows; the chain (hashes, checks) is this folder's.
 */
export interface AuditStorage {
  /** Under the chain-head lock: `build` gets the current head and returns the record that becomes the new head. */
  appendLocked(build: (head: { seq: number; hash: string } | null) => AuditRecord): Promise<AuditRecord>;
  /** Every record, as its JSON line, in seq order. */
  lines(): Promise<string[]>;
  /** The chain head, null before the first record. */
  head(): Promise<{ seq: number; hash: string } | null>;
  /** What to call it in messages ("the audit_log table of postgres://..."). */
  readonly name: string;
}

/** A hash-chained audit trail: the audit file, or a store's chain. */
export interface AuditTrail {
  readonly name: string;
  append(event: AuditEvent, data: Record<string, unknown>, now?: () => Date): Promise<AuditRecord>;
  verify(): Promise<AuditCheck>;
  tail(n: number): Promise<AuditRecord[]>;
  /** Every record as its JSON line, in order (what a checkpoint is checked against). */
  lines(): Promise<string[]>;
  /** The last record's seq and hash; null for an empty chain. */
  head(): Promise<{ seq: number; hash: string } | null>;
}

function lastOf(lines: string[]): { seq: number; hash: string } | null {
  const last = lines[lines.length - 1];
  if (last === undefined) return null;
  const rec = JSON.parse(last) as AuditRecord;
  return { seq: rec.seq, hash: rec.hash };
}

function fileLines(path: string): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw new TaskgateError('ERR_AUDIT_BROKEN', `cannot read the audit log ${path}`, 'check its permissions');
  }
  return text.split('\n').filter((l) => l !== '');
}

/** The audit file of a repository (`audit.path`), with its chain-head sidecar; `background`: see appendAudit. */
export function fileTrail(path: string, options: { background?: boolean } = {}): AuditTrail {
  return {
    name: path,
    append: (event, data, now) => appendAudit(path, event, data, now, options),
    verify: () => later(() => verifyAudit(path)),
    tail: (n) =>
      later(() =>
        fileLines(path)
          .slice(-n)
          .map((l) => JSON.parse(l) as AuditRecord),
      ),
    lines: () => later(() => fileLines(path)),
    head: () =>
      later(() => {
        // from the end of the file: the trigger asks on every push
        const last = lastLine(path);
        return last === null ? null : lastOf([last]);
      }),
  };
}

/** Synchronous file work behind the async interface: a throw becomes a rejection. */
function later<T>(work: () => T): Promise<T> {
  return new Promise((resolve) => resolve(work()));
}

/** A chain kept by a store. */
export function storedTrail(storage: AuditStorage): AuditTrail {
  return {
    name: storage.name,
    append: async (event, data, now = () => new Date()) => {
      try {
        return await storage.appendLocked((head) => nextRecord(head, event, data, now));
      } catch (error) {
        if (error instanceof TaskgateError) throw error;
        throw new TaskgateError(
          'ERR_AUDIT_WRITE',
          `cannot append to the audit chain in ${storage.name}: ${(error as Error).message}`,
          'check that the store is reachable; `taskgate doctor` says more',
          { cause: error },
        );
      }
    },
    verify: async () => checkChain(await storage.lines(), await storage.head(), `the chain head of ${storage.name}`),
    tail: async (n) => (await storage.lines()).slice(-n).map((l) => JSON.parse(l) as AuditRecord),
    lines: () => storage.lines(),
    head: () => storage.head(),
  };
}
