// Reads what a transaction changed besides changesets (hg taskgate-refs), with one hg process.
import { fileURLToPath } from 'node:url';
import { TaskgateError } from '../errors/taskgate-error.js';
import type { RefChanges, RefsReadOptions } from './refs-types.js';
import { streamHgLines } from './run-hg.js';

/** The refs reader extension ships next to this module, in src/ and in the bundles alike. */
const READER = fileURLToPath(new URL('./taskgate_refs.py', import.meta.url));

const decoder = new TextDecoder('utf-8');
const text = (hex: string): string => decoder.decode(Buffer.from(hex, 'hex'));
const NODE = /^[0-9a-f]{40}$/;

/** The hg arguments for one refs read. */
function refsArgs(options: RefsReadOptions): string[] {
  const args = ['--config', `extensions.taskgate_refs=${READER}`, 'taskgate-refs'];
  if (options.txn) args.push('--txn');
  if (options.newFrom) args.push('--new-from', options.newFrom);
  if (options.tags) args.push('--tags');
  for (const b of options.bookmarks ?? []) args.push('--bookmark', b);
  if (options.asPush) args.push('--as-push', options.asPush);
  return args;
}

function node(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' && NODE.test(value)) return value;
  throw new TaskgateError(
    'ERR_HG_OUTPUT',
    `hg taskgate-refs printed a malformed node: ${JSON.stringify(value).slice(0, 60)}`,
    'report this as a bug',
  );
}

/** Turns one JSON line of the reader into `out`. */
function parseLine(line: string, out: RefChanges): boolean {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    throw new TaskgateError(
      'ERR_HG_OUTPUT',
      `hg taskgate-refs printed a line that is not JSON: ${line.slice(0, 80)}`,
      'check that no extension in hgrc writes to standard output',
    );
  }
  switch (rec['t']) {
    case 'bookmark':
      out.bookmarks.push({
        name: text(String(rec['name'])),
        old: node(rec['old']),
        new: node(rec['new']),
        descends: typeof rec['descends'] === 'boolean' ? rec['descends'] : null,
      });
      return false;
    case 'public':
      out.published.push({ node: node(rec['node'])!, old: rec['old'] === 'draft' || rec['old'] === 'secret' ? rec['old'] : null });
      return false;
    case 'marker': {
      const phase = rec['phase'];
      out.markers.push({
        prec: node(rec['prec'])!,
        succs: (rec['succs'] as unknown[]).map((s) => node(s)!),
        flags: Number(rec['flags']),
        phase: phase === 'public' || phase === 'draft' || phase === 'secret' ? phase : null,
      });
      return false;
    }
    case 'tag':
      out.tags.push({ name: text(String(rec['name'])), old: node(rec['old']), new: node(rec['new']) });
      return false;
    case 'end':
      out.changesets = Number(rec['changesets']);
      return true;
    default:
      return false;
  }
}

/** Reads what a transaction (or a simulated move) changes besides changesets, in ONE hg process. */
export async function readRefs(repoRoot: string, options: RefsReadOptions, env?: NodeJS.ProcessEnv): Promise<RefChanges> {
  const out: RefChanges = { bookmarks: [], published: [], markers: [], tags: [], changesets: 0 };
  let ended = false;
  await streamHgLines(refsArgs(options), { cwd: repoRoot, ...(env ? { env } : {}) }, (line) => {
    if (parseLine(line, out)) ended = true;
  });
  if (!ended) {
    throw new TaskgateError('ERR_HG_OUTPUT', 'hg taskgate-refs stopped before the end of its output', 'run `taskgate doctor` and check hg');
  }
  return out;
}
