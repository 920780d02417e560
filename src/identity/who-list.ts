import type { Pusher } from './pusher.js';

/**
 * Whether a who-list grants the pusher something ("name", "@group", "*"). The unknown
 * pusher is granted nothing, not even by "*": a permission must never reach an anonymous push.
 */
export function grants(who: readonly string[] | undefined, pusher: Pusher): boolean {
  if (!who || pusher.name === null) return false;
  return who.some((w) => w === '*' || w === pusher.name || (w.startsWith('@') && pusher.groups.includes(w.slice(1))));
}

/** Whether a who-list in a deny position reaches the pusher: as `grants`, and "*" also reaches the unknown pusher. */
export function reaches(who: readonly string[] | undefined, pusher: Pusher): boolean {
  if (!who) return false;
  return who.includes('*') || grants(who, pusher);
}
