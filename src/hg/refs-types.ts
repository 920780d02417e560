// What a transaction changed besides changesets (DESIGN §16), as `hg taskgate-refs` reads it.

export interface BookmarkMove {
  name: string;
  /** Full node before (null: the bookmark is new). */
  old: string | null;
  /** Full node after (null: the bookmark is deleted). */
  new: string | null;
  /** Whether the new node descends from the old one (null when either is missing). */
  descends: boolean | null;
}

/** A changeset that is public with the transaction and was not before. */
export interface Published {
  node: string;
  /** Its phase before (null: the transaction adds it). */
  old: 'draft' | 'secret' | null;
}

/** An obsolescence marker the transaction adds. */
export interface ObsMarker {
  /** The changeset it obsoletes. */
  prec: string;
  /** Its successors (none: a prune). */
  succs: string[];
  flags: number;
  /** The precursor's phase (public if it was public before or is now); null when the repository does not have it. */
  phase: 'public' | 'draft' | 'secret' | null;
}

/** A tag whose node, as the repository resolves it, differs before and with the transaction. */
export interface TagMove {
  name: string;
  old: string | null;
  new: string | null;
}

export interface RefChanges {
  bookmarks: BookmarkMove[];
  published: Published[];
  markers: ObsMarker[];
  tags: TagMove[];
  /** How many changesets the transaction adds. */
  changesets: number;
}

export interface RefsReadOptions {
  /** Read inside a pretxnclose hook: the transaction in progress. */
  txn?: boolean;
  /** The first changeset the transaction added (HG_NODE), if any. */
  newFrom?: string | null;
  /** Resolve tags before and with the transaction. */
  tags?: boolean;
  /** `taskgate check`: NAME=REV moves (NAME=: deletes) instead of a transaction. */
  bookmarks?: string[];
  /** `taskgate check -r`: the tags a revset changes, as if it were one push. */
  asPush?: string;
}
