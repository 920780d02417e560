// The changesets of landed pushes (short node, first line, author, files), read with one hg process per page and cached by push.
import { readChangesets } from '../hg/read-push.js';

export interface ChangesetSummary {
  node: string;
  branch: string;
  author: string;
  firstLine: string;
  description: string;
  files: string[];
}

export interface PushRange {
  id: string;
  node: string;
  nodeLast: string;
}

const HEX = /^[0-9a-f]{40}$/;
const CAP = 5000;

/** Changesets never change under their node: what was read once is kept (the newest CAP pushes). */
export class ChangesetSummaries {
  private readonly cache = new Map<string, ChangesetSummary[]>();
  /** After a failed read, pages go without changesets for a while instead of starting hg on every request. */
  private quietUntil = 0;

  constructor(private readonly root: string) {}

  /** The changesets of each push (a stripped or unknown push: none), reading every uncached push with ONE hg process. */
  async of(pushes: PushRange[]): Promise<Map<string, ChangesetSummary[]>> {
    const missing = pushes.filter((p) => !this.cache.has(p.id) && HEX.test(p.node) && HEX.test(p.nodeLast));
    if (missing.length > 0 && Date.now() >= this.quietUntil) await this.read(missing);
    return new Map(pushes.map((p) => [p.id, this.cache.get(p.id) ?? []] as const));
  }

  private async read(pushes: PushRange[]): Promise<void> {
    const revset = pushes.map((p) => `(present(${p.node}):present(${p.nodeLast}))`).join(' or ');
    let all: ChangesetSummary[] = [];
    const revs = new Map<string, number>();
    try {
      const data = await readChangesets(this.root, revset);
      all = data.changesets.map((c) => {
        revs.set(c.node, c.rev);
        return {
          node: c.node,
          branch: c.branch,
          author: c.author,
          firstLine: c.description.split('\n')[0] ?? '',
          description: c.description,
          files: c.judged.map((f) => f.path),
        };
      });
    } catch {
      // the repository cannot be read: the pages show the store's part, and try again in a minute
      this.quietUntil = Date.now() + 60_000;
      return;
    }
    for (const p of pushes) {
      const from = revs.get(p.node);
      const to = revs.get(p.nodeLast);
      const mine = from === undefined || to === undefined ? [] : all.filter((c) => revs.get(c.node)! >= from && revs.get(c.node)! <= to);
      this.cache.set(p.id, mine);
    }
    while (this.cache.size > CAP) this.cache.delete(this.cache.keys().next().value!);
  }
}
