/** Why a task was affected, in one line: the same words in the CLI, lineage and the web UI. */
import type { AffectedReason } from './affected.js';

/**
 * `text` makes pushed names safe for where the line goes: a terminal escapes them
 * (`printable`), an HTML template escapes on its own and passes them as they are.
 */
export function describeReason(r: AffectedReason, text: (s: string) => string = (s) => s): string {
  if (r.kind === 'file') return `${text(r.file)} matches ${text(r.glob)}`;
  if (r.kind === 'upstream') return `requires ${r.task}`;
  if (r.kind === 'bookmark') {
    const from = r.from === null ? 'nowhere' : r.from.slice(0, 12);
    return `bookmark ${text(r.bookmark)} moved from ${from} to ${r.to.slice(0, 12)} by ${r.by === null ? 'an unknown pusher' : text(r.by)}`;
  }
  return r.change === 'new-manifest' ? 'the manifest is new' : r.change === 'new-task' ? 'the task is new' : 'its definition changed';
}
