import { fileURLToPath } from 'node:url';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { Changeset, FileFlag, HgFile, PushData, ReadOptions } from './hg-types.js';
import { streamHgLines } from './run-hg.js';

/** The reader extension ships next to this module, in src/ and in the bundles alike. */
const READER = fileURLToPath(new URL('./taskgate_read.py', import.meta.url));

const decoder = new TextDecoder('utf-8');
const text = (hex: string): string => decoder.decode(Buffer.from(hex, 'hex'));
const file = (hex: string): HgFile => ({ hex, path: text(hex) });
const files = (list: string[] | undefined): HgFile[] => (list ?? []).map(file);

interface RawChangeset {
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
  judged?: string[];
  sizes?: Array<number | null>;
  added?: Array<{ path: string; lines?: Array<[number, string]>; skipped?: 'size' }>;
  flags?: Array<[FileFlag | null, FileFlag | null]>;
  parentBranches?: string[];
}

/** The hg arguments for one read; exported so that `scripts/bench` measures the very same call. */
export function readArgs(revset: string, options: ReadOptions = {}): string[] {
  const args = ['--config', `extensions.taskgate_read=${READER}`, 'taskgate-read', '-r', revset];
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
  private ended = false;

  /** `onChangeset` sees each changeset as soon as it is parsed. */
  constructor(private readonly onChangeset?: (cs: Changeset) => void) {}

  line(line: string): void {
    const data = this.data;
    let rec: Record<string, unknown>;
    try {
      rec = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new TaskgateError(
        'ERR_HG_OUTPUT',
        `hg taskgate-read printed a line that is not JSON: ${line.slice(0, 80)}`,
        'check that no extension in hgrc writes to standard output',
      );
    }
    switch (rec['t']) {
      case 'cs': {
        const r = rec as unknown as RawChangeset;
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
          files: files(r.files),
          judged: files(r.files),
        };
        if (r.mergeAdded) {
          cs.merge = { added: files(r.mergeAdded), modified: files(r.mergeModified), removed: files(r.mergeRemoved) };
          cs.judged = [...cs.merge.added, ...cs.merge.modified, ...cs.merge.removed];
        }
        if (r.sizes) cs.sizes = r.sizes;
        if (r.flags) cs.flags = r.flags.map(([now, before]) => ({ now, before }));
        if (r.parentBranches) cs.parentBranches = r.parentBranches.map(text);
        if (r.added) {
          cs.added = r.added.map((a) => ({
            file: file(a.path),
            lines: (a.lines ?? []).map(([n, hex]) => [n, text(hex)] as [number, string]),
            ...(a.skipped ? { skipped: a.skipped } : {}),
          }));
        }
        for (const p of r.parentRevs) this.hasChild.add(p);
        data.changesets.push(cs);
        this.onChangeset?.(cs);
        break;
      }
      case 'file': {
        const path = text(rec['path'] as string);
        let versions = data.fileVersions.get(path);
        if (!versions) data.fileVersions.set(path, (versions = new Map()));
        const hex = rec['data'] as string | null;
        versions.set(rec['rev'] as number, hex === null ? null : Buffer.from(hex, 'hex'));
        break;
      }
      case 'headfiles':
        data.headFiles.set(rec['rev'] as number, files(rec['files'] as string[]));
        break;
      case 'branch':
        data.branches.set(text(rec['name'] as string), { existed: rec['existed'] as boolean, base: rec['base'] as number | null });
        break;
      case 'root':
        data.roots.set(rec['rev'] as number, rec['base'] as number | null);
        break;
      case 'heads':
        data.openHeads.set(text(rec['branch'] as string), rec['heads'] as string[]);
        break;
      case 'headstatus':
        data.headStatus.set(rec['rev'] as number, {
          base: rec['base'] as number | null,
          added: files(rec['added'] as string[]),
          modified: files(rec['modified'] as string[]),
          removed: files(rec['removed'] as string[]),
        });
        break;
      case 'end':
        this.ended = true;
        break;
      default:
        break;
    }
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

/** Parses the reader's whole output. */
export function parseRead(output: Buffer): PushData {
  const parser = new ReadParser();
  for (const line of output.toString('latin1').split('\n')) if (line !== '') parser.line(line);
  return parser.finish();
}

/** Reads every changeset of `revset`, with whatever else `options` asks for, in ONE hg process. */
export async function readChangesets(
  repoRoot: string,
  revset: string,
  options: ReadOptions = {},
  env?: NodeJS.ProcessEnv,
  parser: ReadParser = new ReadParser(),
): Promise<PushData> {
  await streamHgLines(readArgs(revset, options), { cwd: repoRoot, ...(env ? { env } : {}) }, (line) => parser.line(line));
  return parser.finish();
}
