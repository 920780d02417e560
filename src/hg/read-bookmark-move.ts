// Reads what a bookmark move changes (hg taskgate-bookmark-move), for the bookmark trigger.
import { fileURLToPath } from 'node:url';
import { TaskgateError } from '../errors/taskgate-error.js';
import { streamHgLines } from './run-hg.js';

/** The refs reader extension ships next to this module, in src/ and in the bundles alike. */
const READER = fileURLToPath(new URL('./taskgate_refs.py', import.meta.url));

/** What a bookmark move changes: the files between its old and new node, and a tracked file at both. */
export interface BookmarkMoveRead {
  rev: number;
  branch: string;
  changedFiles: string[];
  /** The tracked file's content at the old node (null: absent or no old node) and at the new one. */
  before: Buffer | null;
  after: Buffer | null;
}

const decoder = new TextDecoder('utf-8');
const text = (hex: string): string => decoder.decode(Buffer.from(hex, 'hex'));

/** Reads a bookmark move with ONE hg process (the trigger of a bookmark-only push, DESIGN §16). */
export async function readBookmarkMove(
  root: string,
  move: { old: string | null; new: string },
  track: string,
  env?: NodeJS.ProcessEnv,
): Promise<BookmarkMoveRead> {
  const args = ['--config', `extensions.taskgate_refs=${READER}`, 'taskgate-bookmark-move', '--new', move.new, '--track', track];
  if (move.old) args.push('--old', move.old);
  const out: BookmarkMoveRead = { rev: -1, branch: 'default', changedFiles: [], before: null, after: null };
  let ended = false;
  await streamHgLines(args, { cwd: root, ...(env ? { env } : {}) }, (line) => {
    const rec = JSON.parse(line) as Record<string, unknown>;
    if (rec['t'] === 'move') {
      out.rev = Number(rec['rev']);
      out.branch = text(String(rec['branch']));
    } else if (rec['t'] === 'status') {
      for (const key of ['added', 'modified', 'removed']) out.changedFiles.push(...(rec[key] as string[]).map(text));
    } else if (rec['t'] === 'file') {
      const data = rec['data'] === null ? null : Buffer.from(typeof rec['data'] === 'string' ? rec['data'] : '', 'hex');
      if (rec['at'] === 'old') out.before = data;
      else out.after = data;
    } else if (rec['t'] === 'end') ended = true;
  });
  if (!ended)
    throw new TaskgateError(
      'ERR_HG_OUTPUT',
      'hg taskgate-bookmark-move stopped before the end of its output',
      'run `taskgate reconcile` and check hg',
    );
  out.changedFiles.sort();
  return out;
}
