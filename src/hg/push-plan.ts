// A push is read once (DESIGN §13): the gate leaves what it read for the later hooks of the same transaction.
import { createHash, createHmac, randomBytes, timingSafeEqual, type Hmac } from 'node:crypto';
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
const VERSION = 2;
/** A plan left by a transaction that never reached its trigger (refused later, crashed) goes after this long. */
const STALE_MS = 60 * 60 * 1000;
/** Lines per update of a plan's HMAC. */
const HASH_BATCH = 512;

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
 * The repository's plan key: 32 random bytes in `.hg/taskgate/plans/key`, readable only by
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
      writeFileSync(tmp, randomBytes(32), { mode: 0o600, flag: 'wx' });
      try {
        linkSync(tmp, file);
      } catch {
        // another hook made it first: use theirs
      } finally {
        rmSync(tmp, { force: true });
      }
      if (!ownedPrivate(file, false)) return null;
    }
    const secret = readFileSync(file);
    return secret.length === 32 ? secret : null;
  } catch {
    return null;
  }
}

function planPath(root: string, key: PlanKey): string {
  const id = createHash('sha256').update(`${key.txn}\n${key.node}\n${key.nodeLast}`).digest('hex').slice(0, 32);
  return join(plansDir(root), `${id}.plan`);
}

/** The plan's HMAC, keyed with the repository's secret, begun with its key; the body follows line by line. */
function macOf(secret: Buffer, key: PlanKey): Hmac {
  return createHmac('sha256', secret).update(
    `${HEADER}\n${key.txn}\n${key.node}\n${key.nodeLast}\n${Buffer.from(key.manifestPath, 'utf8').toString('hex')}\n`,
  );
}

/**
 * Keeps, of the reader's lines, what a later hook needs: each changeset as a `pcs` record (node,
 * revision, parents, branch and its files as numbers into `names` records: the trigger needs
 * nothing the gate alone judged, and a file named by many changesets is written once), the
 * manifest's versions, the heads' status. Its HMAC is computed as the lines arrive, while hg
 * still reads, so an accepted push only has to write the file.
 */
export class PlanRecorder extends ReadParser {
  private readonly lines: string[] = [];
  private readonly fileNumbers = new Map<HgFile, number>();
  /** How many of `lines` the HMAC has taken. */
  private hashed = 0;
  private readonly manifestLine: string;
  private readonly hmac: Hmac | null;

  constructor(
    private readonly root: string,
    private readonly key: PlanKey,
    onChangeset?: ConstructorParameters<typeof ReadParser>[0],
  ) {
    super(onChangeset);
    this.manifestLine = `{"t":"file","path":"${Buffer.from(key.manifestPath, 'utf8').toString('hex')}",`;
    const secret = planSecret(root, true);
    this.hmac = secret && macOf(secret, key);
  }

  override line(line: string): void {
    super.line(line);
    if (this.hmac === null) return;
    if (line.startsWith('{"t":"cs",')) this.changeset(line, this.data.changesets.at(-1)!);
    else if (line.startsWith(this.manifestLine) || line.startsWith('{"t":"headstatus",') || line.startsWith('{"t":"end",')) this.keep(line);
  }

  private keep(line: string): void {
    this.lines.push(line);
    // hashed a few hundred lines at a time: one call per line cost more than the hashing
    if (this.lines.length - this.hashed >= HASH_BATCH) this.hashLines();
  }

  private hashLines(): void {
    if (this.hashed === this.lines.length) return;
    this.hmac!.update(`${this.lines.slice(this.hashed).join('\n')}\n`, 'latin1');
    this.hashed = this.lines.length;
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
    if (fresh) this.keep(`{"t":"names","hex":["${fresh.join('","')}"]}`);
    this.keep(`{"t":"pcs",${line.slice(10, line.indexOf(',"closes":'))},"files":[${numbers.join(',')}]}`);
  }

  /** Leaves the plan for the later hooks of the transaction (see writePlan); false when it could not. */
  write(): boolean {
    if (this.hmac === null || this.lines.length === 0) return false;
    this.hashLines();
    return writePlan(this.root, this.key, `${this.lines.join('\n')}\n`, this.hmac.digest());
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

/**
 * Leaves the plan of one transaction's changegroup: owner-only, written to a temporary file
 * and renamed (a reader sees all of it or none), keyed with the repository's secret (`mac`,
 * over `body`). Returns false when it could not (the later hooks then read for themselves).
 */
function writePlan(root: string, key: PlanKey, body: string, mac: Buffer): boolean {
  const dir = plansDir(root);
  const header = JSON.stringify({
    v: VERSION,
    txn: key.txn,
    node: key.node,
    nodeLast: key.nodeLast,
    manifestPath: key.manifestPath,
    mac: mac.toString('hex'),
  });
  const tmp = join(dir, `.${process.pid}-${randomBytes(6).toString('hex')}.tmp`);
  try {
    sweep(dir, Date.now());
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
    try {
      writeSync(fd, `${header}\n`);
      writeSync(fd, body, null, 'latin1');
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

/**
 * The push data the gate of this very transaction and range read, or null: no plan, or one
 * that is not this transaction's, not for this range, not keyed with the repository's
 * secret, for another manifest path, or damaged. `consume` removes it (the last hook of the transaction does).
 */
export function readPlan(root: string, key: PlanKey, options: { consume: boolean }): PushData | null {
  const path = planPath(root, key);
  const text = readPlanFile(path);
  if (options.consume) rmSync(path, { force: true });
  if (text === null) return null;
  const secret = planSecret(root, false);
  if (secret === null) return null;
  const at = text.indexOf('\n');
  try {
    const header = JSON.parse(text.slice(0, at)) as Partial<PlanKey> & { v?: number; mac?: string };
    const body = text.slice(at + 1);
    const same = header.txn === key.txn && header.node === key.node && header.nodeLast === key.nodeLast;
    if (header.v !== VERSION || !same || header.manifestPath !== key.manifestPath) return null;
    const expected = macOf(secret, key).update(body, 'latin1').digest();
    const given = Buffer.from(header.mac ?? '', 'hex');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    const parser = new ReadParser();
    for (const line of body.split('\n')) if (line !== '') parser.line(line);
    const push = parser.finish();
    // the range must be exactly the transaction's: first and last changeset as hg named them
    if (push.changesets[0]?.node !== key.node || push.changesets.at(-1)?.node !== key.nodeLast) return null;
    return push;
  } catch {
    return null;
  }
}
