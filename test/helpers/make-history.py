# Builds a synthetic history fast, in process, with Mercurial's own API (hg commit per
# changeset would take minutes for 10,000). Used by the large-push tests and scripts/bench.
# usage: python3 make-history.py REPO COUNT [--files N] [--seed S] [--desc TEMPLATE] [--user USER]
#        [--merges EVERY] [--renames] [--branch NAME]
# Appends COUNT changesets on top of tip; each touches 1-10 files of a tree of N files.
import argparse
import random

from mercurial import context, hg, ui as uimod
from mercurial.node import nullid

ap = argparse.ArgumentParser()
ap.add_argument('repo')
ap.add_argument('count', type=int)
ap.add_argument('--files', type=int, default=200)
ap.add_argument('--seed', type=int, default=1)
ap.add_argument('--desc', default='OPS-{i}: synthetic change number {i}')
ap.add_argument('--user', default='Alice <alice@acme.test>')
ap.add_argument('--merges', type=int, default=0, help='make a merge every N changesets')
ap.add_argument('--renames', action='store_true')
ap.add_argument('--max-touch', type=int, default=10)
args = ap.parse_args()

rng = random.Random(args.seed)
ui = uimod.ui.load()
ui.setconfig(b'ui', b'quiet', b'true')
repo = hg.repository(ui, args.repo.encode())


def name(k):
    return b'src/dir%03d/file%05d.txt' % (k % 97, k)


with repo.wlock(), repo.lock(), repo.transaction(b'make-history'):
    tip = repo[b'tip']
    p1 = tip.node()
    side = None
    start = len(repo)
    live = set(tip.manifest()) if p1 != nullid else set()
    for i in range(args.count):
        n = start + i
        touched = {}
        for _ in range(rng.randint(1, args.max_touch)):
            k = rng.randrange(args.files)
            touched[name(k)] = b'line %d of change %d\n' % (k, n) * rng.randint(1, 20)
        copies = {}
        if args.renames and i % 50 == 25 and live:
            src = sorted(live)[rng.randrange(len(live))]
            dst = src + b'.moved%d' % n
            touched[dst] = repo[p1][src].data() if src in repo[p1] else b'x\n'
            touched[src] = None
            copies[dst] = src
        elif i % 40 == 39 and live:
            victim = sorted(live)[rng.randrange(len(live))]
            if victim not in touched:
                touched[victim] = None
        parents = (p1, nullid)
        if args.merges and side is not None and i % args.merges == 0:
            parents = (p1, side)
            side = None

        def filectxfn(repo_, memctx, path, touched=touched, copies=copies):
            data = touched[path]
            if data is None:
                return None
            return context.memfilectx(repo_, memctx, path, data, copysource=copies.get(path))

        ctx = context.memctx(repo, parents, args.desc.format(i=n).encode(), sorted(touched), filectxfn,
                             user=args.user.encode(), date=(1700000000 + n, 0))
        node = repo.commitctx(ctx)
        for f, d in touched.items():
            if d is None:
                live.discard(f)
            else:
                live.add(f)
        if args.merges and i % args.merges == args.merges // 2:
            side = node  # keep a side line to merge later
            node = p1 if parents[1] == nullid else node
        p1 = node
