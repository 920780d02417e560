/** A file name as Mercurial stores it: bytes, kept exactly (`hex`) and decoded for matching and display (`path`). */
export interface HgFile {
  hex: string;
  /** UTF-8 decoding of the bytes; an invalid byte becomes U+FFFD, so globs like `a/**` still match. */
  path: string;
}

export interface AddedLines {
  file: HgFile;
  /** [1-based line number, line text] for each added or changed line. */
  lines: Array<[number, string]>;
  /** Set when the file was too large to scan. */
  skipped?: 'size';
}

export interface Changeset {
  node: string;
  rev: number;
  parents: string[];
  parentRevs: number[];
  branch: string;
  closesBranch: boolean;
  author: string;
  /** [unix seconds, offset] as hg reports it. */
  date: [number, number];
  description: string;
  /** `{files}`: what the changelog lists; empty for a clean merge. */
  files: HgFile[];
  /** For a merge: its status against its first parent. */
  merge?: { added: HgFile[]; modified: HgFile[]; removed: HgFile[] };
  /** What the changeset is judged on: `files`, or a merge's status against its first parent. */
  judged: HgFile[];
  /** Aligned with `judged`: size in bytes, or null when the changeset removes the file (read only when asked). */
  sizes?: Array<number | null>;
  /** Added lines of text files (read only when asked). */
  added?: AddedLines[];
  /** Aligned with `judged`: the file's manifest flags here and in the first parent (read only when asked). */
  flags?: FileFlags[];
  /** Branches of the parents, in order (read only when asked, and only for merges). */
  parentBranches?: string[];
}

/** A manifest flag: '' a plain file, 'x' executable, 'l' a symlink; null where the file is absent. */
export type FileFlag = '' | 'x' | 'l';
export interface FileFlags {
  now: FileFlag | null;
  before: FileFlag | null;
}

export interface BranchBase {
  /** Whether the branch had a changeset before the first one read. */
  existed: boolean;
  /** Its newest revision before the first one read, when it existed. */
  base: number | null;
}

/** Everything one `hg taskgate-read` returns about a range of changesets. */
export interface PushData {
  changesets: Changeset[];
  /** Revisions of the changesets with no child among them: the new heads. */
  headRevs: number[];
  /** Contents of tracked files: path -> rev -> bytes (null where the file is absent). */
  fileVersions: Map<string, Map<number, Buffer | null>>;
  /** The whole file list at each new head (read only when asked). */
  headFiles: Map<number, HgFile[]>;
  /** Branches of the changesets read, and whether they existed before. */
  branches: Map<string, BranchBase>;
  /** Changesets whose first parent is not among those read, and that parent's revision (null: none). */
  roots: Map<number, number | null>;
  /** Open heads after the push of each branch the changesets touch. */
  openHeads: Map<string, string[]>;
  /** For each new head: where its first-parent chain leaves the changesets read (null: the empty revision) and the status between them. */
  headStatus: Map<number, HeadStatus>;
}

export interface HeadStatus {
  base: number | null;
  added: HgFile[];
  modified: HgFile[];
  removed: HgFile[];
}

export interface ReadOptions {
  /** Read sizes of the files each changeset adds or modifies; exact above this many bytes (approximate below). */
  sizes?: number;
  /** Read added lines of text files up to this many bytes (0: not at all). */
  addedLines?: number;
  /** Files whose contents the policy needs, at changesets touching them, their parents, heads and bases. */
  track?: string[];
  headFiles?: boolean;
  heads?: boolean;
  branchBases?: boolean;
  headStatus?: boolean;
  /** Manifest flags (symlink, executable) of each judged file, here and in the first parent. */
  flags?: boolean;
  /** The branches of a merge's parents. */
  parentBranches?: boolean;
  /** A file of hex nodes: leave out those changesets and their ancestors (reconcile's processed heads). */
  excludeAncestorsOf?: string;
}
