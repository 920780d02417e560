/** Where audit checkpoints go and come back from (`audit.checkpoints`: a file on another mount, or an HTTPS URL), and what one proves of a chain. */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { AuditRecord } from './audit-log.js';

/** A checkpoint after its signature was checked (tokens/ checks it; this folder only reads and compares). */
export interface Anchor {
  chain: string;
  seq: number;
  hash: string;
  at: string;
}

/** The newest checkpoint of each chain made on this host: when the next one is due, and one to verify against. */
function localCheckpointPath(auditPath: string): string {
  return `${auditPath}.checkpoints`;
}

/** A target that is a URL: https, or http to this host only (a local relay). */
function isUrl(target: string): boolean {
  return /^https?:\/\//i.test(target);
}

function plainHttpAllowed(url: URL): boolean {
  return url.protocol === 'https:' || ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
}

function appendLine(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a', 0o640);
  try {
    writeSync(fd, `${line}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Sends one signed checkpoint to `audit.checkpoints` and keeps a copy beside the log. */
export async function shipCheckpoint(target: string | undefined, auditPath: string, jws: string): Promise<void> {
  const local = localCheckpointPath(auditPath);
  // one temporary file per process: two hooks anchoring at once never share it
  const tmp = `${local}.${process.pid}.tmp`;
  writeFileSync(tmp, `${[...readLines(local).slice(-99), jws].join('\n')}\n`, { mode: 0o640 });
  renameSync(tmp, local);
  if (!target) return;
  try {
    if (!isUrl(target)) return appendLine(target, jws);
    const url = new URL(target);
    if (!plainHttpAllowed(url)) throw new Error('only https URLs (or http to this host) receive checkpoints');
    const r = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/jwt' },
      body: jws,
      signal: AbortSignal.timeout(10_000),
    });
    if (!r.ok) throw new Error(`the receiver answered ${r.status}`);
  } catch (error) {
    throw new TaskgateError(
      'ERR_AUDIT_WRITE',
      `cannot ship an audit checkpoint to audit.checkpoints: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'check that the checkpoint file is writable or the receiving URL answers; the copy beside the audit log was kept',
      { cause: error },
    );
  }
}

function readLines(path: string): string[] {
  try {
    return readFileSync(path, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
  } catch {
    return [];
  }
}

/** Every checkpoint this host can read back: the copy beside the log and, when it is a file, `audit.checkpoints`. */
export function readCheckpoints(target: string | undefined, auditPath: string): string[] {
  const found = readLines(localCheckpointPath(auditPath));
  if (target && !isUrl(target)) found.push(...readLines(target));
  return [...new Set(found)];
}

/** What an anchor proves of a chain: the record it names is there, unchanged (the chain links every record before it to it). */
export function checkAnchor(lines: string[], anchor: Anchor): string[] {
  if (anchor.seq === 0) return [];
  if (lines.length < anchor.seq)
    return [
      `checkpoint of ${anchor.at}: it covers ${anchor.seq} records, the log holds ${lines.length} (records were deleted or the log replaced)`,
    ];
  let rec: AuditRecord | null;
  try {
    rec = JSON.parse(lines[anchor.seq - 1]!) as AuditRecord;
  } catch {
    rec = null;
  }
  if (!rec || rec.seq !== anchor.seq || rec.hash !== anchor.hash)
    return [`checkpoint of ${anchor.at}: record ${anchor.seq} does not match its signed hash (the chain up to it was rewritten)`];
  return [];
}
