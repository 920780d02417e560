// Reads a push's changesets (and whatever else a caller asks for) in one hg process, turning the reader's JSON lines into PushData.
import { TaskgateError } from '../errors/taskgate-error.js';
import type { Changeset, FileFlag, HgFile, PushData, ReadOptions } from './hg-types.js';
import type { ChgSession } from './chg-session.js';
import { readerConfig } from './reader-config.js';
import { streamHgLines } from './run-hg.js';

const decoder = new TextDecoder('utf-8');
const text = (hex: string): string => decoder.decode(Buffer.from(hex, 'hex'));

/**
 * File names decoded once per read: a name that comes back (in another changeset, a head's
 * file list) is the same HgFile, so 10,000 changesets hold one object per distinct file
 * instead of one per mention (less to decode, to keep and to collect).
 */
class FileNames {
  private readonly known = new Map<string, HgFile>();

  file(hex: string): HgFile {
    let f = this.known.get(hex);
    if (f === undefined) this.known.set(hex, (f = { hex, path: text(hex) }));
    return f;
  }

  list(hexes: string[] | undefined): HgFile[] {
    return hexes === undefined ? [] : hexes.map((hex) => this.file(hex));
  }
}

/** A changeset as the reader prints it: byte strings in hex. */
interface RawChangeset {
  t: 'cs';
  node: string;
  rev: number;
  parents: string[];
  parentRevs: number[];
  branch: string;
  closes: boolean;
  user: string;
  date: [number, number];
  desc: string;
  files: string[];
  mergeAdded?: string[];
  mergeModified?: string[];
  mergeRemoved?: string[];
  sizes?: Array<number | null>;
  added?: Array<{ path: string; lines?: Array<[number, string]>; skipped?: 'size' }>;
  flags?: Array<[FileFlag | null, FileFlag | null]>;
  parentBranches?: string[];
}

/** A changeset as a plan keeps it (push-plan.ts): what the trigger needs of it, its files as numbers into the `names` records. */
type PlanChangeset = Pick<RawChangeset, 'node' | 'rev' | 'parents' | 'parentRevs' | 'branch'> & { t: 'pcs'; files: number[] };

/** One line of the reader's output (taskgate_read.py), or of a plan, by record kind. */
type ReadRecord =
  | RawChangeset
  | PlanChangeset
  | { t: 'names'; hex: string[] }
  | { t: 'file'; path: string; rev: number; data: string | null }
  | { t: 'headfiles'; rev: number; files: string[] }
  | { t: 'branch'; name: string; existed: boolean; base: number | null }
  | { t: 'root'; rev: number; base: number | null }
  | { t: 'heads'; branch: string; heads: string[] }
  | { t: 'headstatus'; rev: number; base: number | null; added: string[]; modified: string[]; removed: string[] }
  | { t: 'end'; count: number };

function parseRecord(line: string): ReadRecord {
  try {
    // the reader is ours and prints these shapes only
    return JSON.parse(line) as ReadRecord;
  } catch {
    throw new TaskgateError(
      'ERR_HG_OUTPUT',
      `hg taskgate-read printed a line that is not JSON: ${line.slice(0, 80)}`,
      'check that no extension in hgrc writes to standard output',
    );
  }
}

function toChangeset(r: RawChangeset, names: FileNames): Changeset {
  const files = names.list(r.files);
  const cs: Changeset = {
    node: r.node,
    rev: r.rev,
    parents: r.parents,
    parentRevs: r.parentRevs,
    branch: text(r.branch),
    closesBranch: r.closes,
    author: text(r.user),
    date: r.date,
    description: text(r.desc),
    files,
    // nothing changes these lists: the judged files of a changeset that is not a merge are its files
    judged: files,
  };
  if (r.mergeAdded) {
    cs.merge = { added: names.list(r.mergeAdded), modified: names.list(r.mergeModified), removed: names.list(r.mergeRemoved) };
    cs.judged = [...cs.merge.added, ...cs.merge.modified, ...cs.merge.removed];
  }
  if (r.sizes) cs.sizes = r.sizes;
  if (r.flags) cs.flags = r.flags.map(([now, before]) => ({ now, before }));
  if (r.parentBranches) cs.parentBranches = r.parentBranches.map(text);
  if (r.added) {
    cs.added = r.added.map((a) => ({
      file: names.file(a.path),
      lines: (a.lines ?? []).map(([n, hex]): [number, string] => [n, text(hex)]),
      ...(a.skipped ? { skipped: a.skipped } : {}),
    }));
  }
  return cs;
}

/** The hg arguments for one read; exported so that `scripts/bench` measures the very same call. */
export function readArgs(revset: string, options: ReadOptions = {}): string[] {
  const args = [...readerConfig(), 'taskgate-read', '-r', revset];
  if (options.sizes !== undefined) args.push('--sizes', String(options.sizes));
  if (options.addedLines) args.push('--added-lines', String(options.addedLines));
  for (const path of options.track ?? []) args.push('--track', path);
  if (options.headFiles) args.push('--head-files');
  if (options.heads) args.push('--heads');
  if (options.branchBases) args.push('--branch-bases');
  if (options.headStatus) args.push('--head-status');
  if (options.flags) args.push('--flags');
  if (options.parentBranches) args.push('--parent-branches');
  if (options.excludeAncestorsOf) args.push('--exclude-ancestors-of', options.excludeAncestorsOf);
  return args;
}

/** Turns the reader's JSON lines into PushData, one line at a time. */
export class ReadParser {
  readonly data: PushData = {
    changesets: [],
    headRevs: [],
    fileVersions: new Map(),
    headFiles: new Map(),
    branches: new Map(),
    roots: new Map(),
    openHeads: new Map(),
    headStatus: new Map(),
  };
  private readonly hasChild = new Set<number>();
  private readonly names = new FileNames();
  /** The files a plan's `names` records listed, in order. */
  private readonly numbered: HgFile[] = [];
  private ended = false;

  /** `onChangeset` sees each changeset as soon as it is parsed. */
  constructor(private readonly onChangeset?: (cs: Changeset) => void) {}

  line(line: string): void {
    const data = this.data;
    const rec = parseRecord(line);
    switch (rec.t) {
      case 'names':
        for (const hex of rec.hex) this.numbered.push(this.names.file(hex));
        break;
      case 'cs':
      case 'pcs': {
        const cs = rec.t === 'cs' ? toChangeset(rec, this.names) : this.planChangeset(rec);
        for (const p of rec.parentRevs) this.hasChild.add(p);
        data.changesets.push(cs);
        this.onChangeset?.(cs);
        break;
      }
      case 'file': {
        const path = text(rec.path);
        let versions = data.fileVersions.get(path);
        if (!versions) data.fileVersions.set(path, (versions = new Map<number, Buffer | null>()));
        versions.set(rec.rev, rec.data === null ? null : Buffer.from(rec.data, 'hex'));
        break;
      }
      case 'headfiles':
        data.headFiles.set(rec.rev, this.names.list(rec.files));
        break;
      case 'branch':
        data.branches.set(text(rec.name), { existed: rec.existed, base: rec.base });
        break;
      case 'root':
        data.roots.set(rec.rev, rec.base);
        break;
      case 'heads':
        data.openHeads.set(text(rec.branch), rec.heads);
        break;
      case 'headstatus':
        data.headStatus.set(rec.rev, {
          base: rec.base,
          added: this.names.list(rec.added),
          modified: this.names.list(rec.modified),
          removed: this.names.list(rec.removed),
        });
        break;
      case 'end':
        this.ended = true;
        break;
    }
  }

  /** A plan's changeset: no author, date or description (the trigger reads none). */
  private planChangeset(r: PlanChangeset): Changeset {
    const files = r.files.map((i) => {
      const f = this.numbered[i];
      if (f === undefined) throw new TaskgateError('ERR_HG_OUTPUT', `a plan names file number ${i}, which it never listed`, 'push again');
      return f;
    });
    const { node, rev, parents, parentRevs } = r;
    const meta = { closesBranch: false, author: '', date: [0, 0] as [number, number], description: '' };
    return { node, rev, parents, parentRevs, branch: text(r.branch), ...meta, files, judged: files };
  }

  finish(): PushData {
    if (!this.ended) {
      throw new TaskgateError(
        'ERR_HG_OUTPUT',
        'hg taskgate-read stopped before the end of its output',
        'run `taskgate check` to see the error from hg',
      );
    }
    this.data.headRevs = this.data.changesets.filter((cs) => !this.hasChild.has(cs.rev)).map((cs) => cs.rev);
    return this.data;
  }
}

/** hg refusing a revset is the user's input (a usage error), not a broken environment. */
function revsetRefusal(error: unknown, revset: string): TaskgateError | null {
  if (!(error instanceof TaskgateError) || error.code !== 'ERR_HG_FAILED') return null;
  if (!/parse error|unknown revision|syntax error|unknown identifier|not a function|ambiguous/i.test(error.message)) return null;
  return new TaskgateError(
    'ERR_USAGE',
    `hg cannot read the revset ${revset}: ${error.message.replace(/^.*\): /, '')}`,
    'see `hg help revsets`',
    {
      cause: error,
    },
  );
}

/** Reads every changeset of `revset`, with whatever else `options` asks for, in ONE hg process. */
export async function readChangesets(
  repoRoot: string,
  revset: string,
  options: ReadOptions = {},
  env?: NodeJS.ProcessEnv,
  parser: ReadParser = new ReadParser(),
  session: ChgSession | null = null,
): Promise<PushData> {
  await streamHgLines(readArgs(revset, options), { cwd: repoRoot, session, ...(env ? { env } : {}) }, (line) => parser.line(line)).catch(
    (error: unknown) => {
      throw revsetRefusal(error, revset) ?? error;
    },
  );
  return parser.finish();
}
