/** A bookmark move's push id, and back to its transaction: the gate's verdict is recorded under the transaction. */

const BOOKMARK = ':bookmark:';

/**
 * A move's jobs get a push of their own beside the pushed heads' (`TXNID:bookmark:NAME`);
 * hg refuses `:` in a bookmark name, so the transaction id can always be taken back.
 */
export function bookmarkPushId(txn: string | null, bookmark: string, node: string): string {
  return `${txn ?? `bookmark:${node}`}${BOOKMARK}${bookmark}`;
}

/** The transaction a push id belongs to: itself, or the one a bookmark move's id was made from. */
export function txnOfPushId(id: string): string {
  const at = id.lastIndexOf(BOOKMARK);
  return at > 0 ? id.slice(0, at) : id;
}
