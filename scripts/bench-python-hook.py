# The bench's in-process baseline (issue 7): the least a policy hook can cost. It runs inside
# hg's own process (no interpreter to start, the repository already open) and reads what the
# gate reads: each changeset's author, description, branch, parents and files, the size of
# every file it adds or modifies, and the task manifest and .hgtags at the new tip. It checks
# the descriptions against a pattern and never refuses: the bench measures reading.
# hgrc: pretxnchangegroup.bench = python:/path/to/bench-python-hook.py:hook
import re

PATTERN = re.compile(rb'^[A-Z]+-[0-9]+: .{8,}')


def _size(repo, path, rev, index):
    """The size of the revision `rev` added to `path`'s log, from the filelog's own index
    (linkrev -> size), read once per file: no manifest per changeset."""
    bylink = index.get(path)
    if bylink is None:
        flog = repo.file(path)
        bylink = index[path] = {flog.linkrev(r): flog.size(r) for r in flog}
    return bylink.get(rev)


def hook(ui, repo, node=None, node_last=None, **kwargs):
    first = repo[node].rev()
    last = repo[node_last].rev() if node_last else len(repo) - 1
    unmatched = 0
    sizes = 0
    index = {}
    for rev in range(first, last + 1):
        ctx = repo[rev]
        ctx.user()
        ctx.branch()
        ctx.parents()
        if not PATTERN.match(ctx.description()):
            unmatched += 1
        for path in ctx.files():
            size = _size(repo, path, rev, index)
            if size is None and path in ctx:
                # removed, merged, or back to an older revision: the manifest knows
                size = ctx[path].size()
            sizes += size or 0
    tip = repo[last]
    for path in (b'tasks.json', b'.hgtags'):
        if path in tip:
            tip[path].data()
    ui.debug(b'bench hook: %d changesets, %d unmatched, %d bytes\n' % (last - first + 1, unmatched, sizes))
    return False
