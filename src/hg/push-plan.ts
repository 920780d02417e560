// A push is read once (DESIGN §13): the gate leaves what it read for the later hooks of the same transaction.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  closeSync,
  constants,
  fstatSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Changeset, HgFile, PushData, ReadOptions } from './hg-types.js';
import { ReadParser } from './read-push.js';

/** Which transaction and which changegroup of it a plan is for, and which manifest file it carries. */
export interface PlanKey {
  txn: string;
  node: string;
  nodeLast: string;
  /** The configuration's manifest.path when the gate read: a plan for another path carries the wrong file. */
  manifestPath: string;
}

const NODE = /^[0-9a-f]{40}$/;
const HEADER = 'taskgate-plan-v2';
/** A plan left by a transaction that never reached its trigger (refused later, crashed) goes after this long. */
const STALE_MS = 60 * 60 * 1000;

function plansDir(root: string): string {
  return join(root, '.hg', 'taskgate', 'plans');
}

/** A plan is keyed only when hg names the transaction and the whole range. */
export function planKeyOf(hook: { txnId: string | null; node: string; nodeLast: string }, manifestPath: string): PlanKey | null {
  if (!hook.txnId || !NODE.test(hook.node) || !NODE.test(hook.nodeLast)) return null;
  return { txn: hook.txnId, node: hook.node, nodeLast: hook.nodeLast, manifestPath };
}

/** The gate's needs and what the trigger (and pretxnclose) read, merged: both in one read. */
export function withPlanNeeds(needs: ReadOptions, manifestPath: string): ReadOptions {
  const track = [...new Set([...(needs.track ?? []), manifestPath])];
  return { ...needs, headStatus: true, track };
}

/** An owner-only folder or file of this account, never a link: anything else is not trusted. */
function ownedPrivate(path: string, dir: boolean): boolean {
  const st = lstatSync(path);
  return (dir ? st.isDirectory() : st.isFile()) && st.uid === process.getuid?.() && (st.mode & 0o077) === 0;
}

/**
 * The repository's plan key: 32 random bytes, as hex, in `.hg/taskgate/plans/key`, readable only by
 * the account that serves pushes. Created on first use (atomically: a link that fails if
 * another hook made it first). Null when it cannot be made or is not private.
 */
function planSecret(root: string, create: boolean): Buffer | null {
  const dir = plansDir(root);
  const file = join(dir, 'key');
  try {
    if (create) mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (!ownedPrivate(dir, true)) return null;
    try {
      if (!ownedPrivate(file, false)) return null;
    } catch (error) {
      if (!create || (error as NodeJS.ErrnoException).code !== 'ENOENT') return null;
      const tmp = join(dir, `.key-${process.pid}-${randomBytes(6).toString('hex')}`);
      // as hex on one line: hooks/pretxnclose reads it with the shell's own `read`
      writeFileSync(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
      try {
        linkSync(tmp, file);
      } catch {
        // another hook made it first: use theirs
      } finally {
        rmSync(tmp, { force: true });
      }
      if (!ownedPrivate(file, false)) return null;
    }
    const data = readFileSync(file);
    const secret = keyBytes(data);
    // a raw key from before: the same bytes as hex, so that pretxnclose's shell can read it
    if (create && secret !== null && data.length === 32) rewriteAsHex(dir, file, secret);
    return secret;
  } catch {
    return null;
  }
}

function rewriteAsHex(dir: string, file: string, secret: Buffer): void {
  const tmp = join(dir, `.key-${process.pid}-${randomBytes(6).toString('hex')}`);
  writeFileSync(tmp, `${secret.toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
  renameSync(tmp, file);
}

/** The key's 32 bytes: written as hex (one line), or raw as before. */
function keyBytes(data: Buffer): Buffer | null {
  const text = data.toString('latin1');
  if (/^[0-9a-f]{64}\n?$/.test(text)) return Buffer.from(text.slice(0, 64), 'hex');
  return data.length === 32 ? data : null;
}

function planPath(root: string, key: PlanKey): string {
  const id = createHash('sha256').update(`${key.txn}\n${key.node}\n${key.nodeLast}`).digest('hex').slice(0, 32);
  return join(plansDir(root), `${id}.plan`);
}

/**
 * The plan's HMAC: over the header's fields (its JSON up to the MAC itself, in file bytes) and
 * the body. hooks/pretxnclose computes the same with sha256sum alone, so the key never
 * appears on a command line.
 */
function mac(secret: Buffer, prefix: Buffer, body: Buffer): Buffer {
  return createHmac('sha256', secret).update(`${HEADER}\n`).update(prefix).update('\n').update(body).digest();
}

/**
 * Keeps, of the reader's lines, what a later hook needs: each changeset as a `pcs` record (node,
 * revision, parents, branch and its files as numbers into `names` records: the trigger needs
 * nothing the gate alone judged, and a file named by many changesets is written once), the
 * manifest's versions, the heads' status. Byte strings in the reader's output are hex, so a
 * key name cannot occur inside a value.
 */
export class PlanRecorder extends ReadParser {
  readonly lines: string[] = [];
  private readonly fileNumbers = new Map<HgFile, number>();
  private readonly manifestLine: string;

  constructor(manifestPath: string, onChangeset?: ConstructorParameters<typeof ReadParser>[0]) {
    super(onChangeset);
    this.manifestLine = `{"t":"file","path":"${Buffer.from(manifestPath, 'utf8').toString('hex')}",`;
  }

  override line(line: string): void {
    super.line(line);
    if (line.startsWith('{"t":"cs",')) this.changeset(line, this.data.changesets.at(-1)!);
    else if (line.startsWith(this.manifestLine) || line.startsWith('{"t":"headstatus",') || line.startsWith('{"t":"end",'))
      this.lines.push(line);
  }

  /** The reader's keys come in a fixed order and its byte strings are hex: `,"closes":` cannot occur inside a value. */
  private changeset(line: string, cs: Changeset): void {
    let fresh: string[] | null = null;
    const numbers: number[] = [];
    for (const f of cs.files) {
      let n = this.fileNumbers.get(f);
      if (n === undefined) {
        this.fileNumbers.set(f, (n = this.fileNumbers.size));
        (fresh ??= []).push(f.hex);
      }
      numbers.push(n);
    }
    if (fresh) this.lines.push(`{"t":"names","hex":["${fresh.join('","')}"]}`);
    this.lines.push(`{"t":"pcs",${line.slice(10, line.indexOf(',"closes":'))},"files":[${numbers.join(',')}]}`);
  }
}

/** Removes plans of transactions that never reached their trigger. */
function sweep(dir: string, now: number): void {
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.plan') && !name.startsWith('.')) continue;
    const path = join(dir, name);
    try {
      if (now - statSync(path).mtimeMs > STALE_MS) rmSync(path, { force: true });
    } catch {
      // gone already
    }
  }
}

/** The gate's accepting verdict, left in the plan for the hook that writes the push's one audit record. */
export interface PlanVerdict {
  event: 'push.accepted' | 'push.bypassed';
  data: Record<string, unknown>;
  /** The gate appended this record itself (a quiet plan): pretxnclose adds one only for what it judges. */
  recorded?: boolean;
}

/** What a plan carries besides the push: the gate's verdict, and whether pretxnclose may pass without node. */
export interface PlanExtras {
  verdict: PlanVerdict | null;
  /**
   * The gate found nothing in the changesets for pretxnclose to judge (no `.hgtags` edit, no
   * merge, no `phases` rule) and the verdict is a plain acceptance, which the gate then appends
   * itself: when hg says no bookmark, phase, tag or marker moved either, hooks/pretxnclose
   * answers without starting node.
   */
  quiet: boolean;
}

export interface Plan extends PlanExtras {
  push: PushData;
}

const VERDICT_LINE = '{"t":"verdict",';

/**
 * Leaves the plan of one transaction's changegroup: owner-only, written to a temporary file
 * and renamed (a reader sees all of it or none), keyed with the repository's secret. Returns
 * false when it could not (the later hooks then read for themselves).
 */
export function writePlan(root: string, key: PlanKey, lines: string[], extras: PlanExtras): boolean {
  const secret = planSecret(root, true);
  if (secret === null) return false;
  const dir = plansDir(root);
  const verdict = extras.verdict ? [`${VERDICT_LINE}${JSON.stringify(extras.verdict).slice(1)}`] : [];
  const body = `${[...lines, ...verdict].join('\n')}\n`;
  // this order is what hooks/pretxnclose matches: v, txn, node, nodeLast, quiet first; the MAC last
  const prefix = JSON.stringify({
    v: 2,
    txn: key.txn,
    node: key.node,
    nodeLast: key.nodeLast,
    quiet: extras.quiet,
    manifestPath: key.manifestPath,
  });
  const tag = mac(secret, Buffer.from(prefix, 'utf8'), Buffer.from(body, 'utf8')).toString('hex');
  const header = `${prefix.slice(0, -1)},"mac":"${tag}"}`;
  const tmp = join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    sweep(dir, Date.now());
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${header}\n`);
      writeSync(fd, body);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, planPath(root, key));
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

function readPlanFile(path: string): string | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile() || st.uid !== process.getuid?.() || (st.mode & 0o077) !== 0) return null;
    return readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
}

/** The plan's body, split: the reader's lines and the gate's verdict. */
function parseBody(body: string): { push: PushData; verdict: PlanVerdict | null } {
  const parser = new ReadParser();
  let verdict: PlanVerdict | null = null;
  for (const line of body.split('\n')) {
    if (line.startsWith(VERDICT_LINE)) {
      const { event, data, recorded } = JSON.parse(`{${line.slice(VERDICT_LINE.length)}`) as PlanVerdict;
      verdict = { event, data, recorded: recorded === true };
    } else if (line !== '') parser.line(line);
  }
  return { push: parser.finish(), verdict };
}

/**
 * The plan the gate of this very transaction and range left, or null: no plan, or one that is
 * not this transaction's, not for this range, not keyed with the repository's secret, for
 * another manifest path, or damaged. `consume` removes it (the last hook of the transaction does).
 */
export function readPlan(root: string, key: PlanKey, options: { consume: boolean }): Plan | null {
  const path = planPath(root, key);
  const text = readPlanFile(path);
  if (options.consume) rmSync(path, { force: true });
  if (text === null) return null;
  const secret = planSecret(root, false);
  if (secret === null) return null;
  const at = text.indexOf('\n');
  // the header is the fields' JSON with the MAC appended; the file is read as latin1, so these are its bytes
  const header = /^(\{.*),"mac":"([0-9a-f]{64})"\}$/.exec(text.slice(0, Math.max(at, 0)));
  if (at < 0 || header === null) return null;
  try {
    const prefix = `${header[1]}}`;
    const body = text.slice(at + 1);
    const expected = mac(secret, Buffer.from(prefix, 'latin1'), Buffer.from(body, 'latin1'));
    if (!timingSafeEqual(Buffer.from(header[2]!, 'hex'), expected)) return null;
    const fields = JSON.parse(Buffer.from(prefix, 'latin1').toString('utf8')) as Partial<PlanKey> & { v?: number; quiet?: boolean };
    const same = fields.txn === key.txn && fields.node === key.node && fields.nodeLast === key.nodeLast;
    if (fields.v !== 2 || !same || fields.manifestPath !== key.manifestPath || typeof fields.quiet !== 'boolean') return null;
    const { push, verdict } = parseBody(Buffer.from(body, 'latin1').toString('utf8'));
    // the range must be exactly the transaction's: first and last changeset as hg named them
    if (push.changesets[0]?.node !== key.node || push.changesets.at(-1)?.node !== key.nodeLast) return null;
    return { push, verdict, quiet: fields.quiet };
  } catch {
    return null;
  }
}
