/** Who-lists (DESIGN §3, §18): "name", "@group", "*", and their negations "!name", "!@group". */
import type { Pusher } from './pusher.js';

/** Whether one entry (without its "!") names the pusher; "*" names everyone known. */
function names(entry: string, pusher: Pusher): boolean {
  if (pusher.name === null) return false;
  return entry === '*' || entry === pusher.name || (entry.startsWith('@') && pusher.groups.includes(entry.slice(1)));
}

/**
 * Whom a list describes: a negation wins over every grant (`["*", "!bob"]`), and a list of
 * negations alone means everyone but them (acl's `!user`). `star` says whether "*" and a
 * negations-only list take in the unknown pusher too.
 */
function describes(who: readonly string[], pusher: Pusher, star: boolean): boolean {
  let positives = 0;
  let granted = false;
  for (const entry of who) {
    if (entry.startsWith('!')) {
      if (names(entry.slice(1), pusher)) return false;
      continue;
    }
    positives++;
    if (names(entry, pusher) || (star && entry === '*')) granted = true;
  }
  if (positives === 0 && who.length > 0) return pusher.name !== null || star;
  return granted;
}

/**
 * Whether a who-list grants the pusher something. The unknown pusher is granted nothing, not
 * even by "*" or a list of negations: a permission must never reach an anonymous push.
 */
export function grants(who: readonly string[] | undefined, pusher: Pusher): boolean {
  if (!who || pusher.name === null) return false;
  return describes(who, pusher, false);
}

/** Whether a who-list in a deny position reaches the pusher: as `grants`, and "*" also reaches the unknown pusher. */
export function reaches(who: readonly string[] | undefined, pusher: Pusher): boolean {
  if (!who) return false;
  return describes(who, pusher, true);
}
