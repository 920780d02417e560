// The words the policy's reports share: the pusher, a description's summary, who-lists, plurals and escaped file names.
import type { Pusher } from '../identity/pusher.js';
import { printable, printableBytes } from '../errors/printable.js';

/** The pusher as a report names them. */
export function who(pusher: Pusher): string {
  return pusher.name === null ? `the unknown pusher (${pusher.channel})` : printable(pusher.name);
}

/** A description's first line (or the line holding `at`), quoted and shortened for a report line. */
export function quoteSummary(description: string, at = 0): string {
  const start = description.lastIndexOf('\n', at - 1) + 1;
  const end = description.indexOf('\n', start);
  const line = description.slice(start, end < 0 ? undefined : end);
  const short = line.length > 60 ? `${line.slice(0, 57)}...` : line;
  return `"${printable(short)}"`;
}

/** A who-list as a report shows it; an empty one grants nobody. */
export function whoText(list: readonly string[]): string {
  return list.length === 0 ? 'nobody' : printable(list.join(', '));
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A file name for a report: its bytes, escaped where not printable ASCII. */
export function showPath(file: { hex: string }): string {
  return printableBytes(Buffer.from(file.hex, 'hex'));
}
