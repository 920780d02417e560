import type { Pusher } from '../identity/pusher.js';
import { printable, printableBytes } from '../errors/printable.js';

/** The pusher as a report names them. */
export function who(pusher: Pusher): string {
  return pusher.name === null ? `the unknown pusher (${pusher.channel})` : printable(pusher.name);
}

/** A description's first line, quoted and shortened for a report line. */
export function quoteSummary(description: string): string {
  const first = description.split('\n')[0] ?? '';
  const short = first.length > 60 ? `${first.slice(0, 57)}...` : first;
  return `"${printable(short)}"`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** A file name for a report: its bytes, escaped where not printable ASCII. */
export function showPath(file: { hex: string }): string {
  return printableBytes(Buffer.from(file.hex, 'hex'));
}
