# taskgate's refs reader: loaded with --config extensions.taskgate_refs=THIS_FILE so that one
# hg process reads what a transaction changed besides changesets (DESIGN §16): bookmark moves,
# changesets made public, obsolescence markers added, and tags as the repository resolves them
# before the transaction and with it pending.  One JSON object per line; byte strings
# (bookmark and tag names) are hex-encoded.  Policy lives in taskgate's TypeScript.
from __future__ import absolute_import

import gc
import json
import re
import sys

from mercurial import bookmarks, encoding, error, obsolete, phases, registrar, scmutil
from mercurial import tags as tagsmod
from mercurial.node import bin, hex, nullrev

cmdtable = {}
command = registrar.command(cmdtable)
testedwith = b'6.3'


def uisetup(ui):
    """In a chg server: freeze what is loaded, so that each worker's exit skips it (see _freeze)."""
    if '--cmdserver' in sys.argv:
        _freeze()


def _freeze():
    # chg forks a worker per command, and the worker ends with gc.collect(), which would walk
    # (and so copy, page by page) every object the server loaded: ~100 ms of CPU after each
    # answer, taken from the hook that asked and the ones after it. Frozen objects are skipped.
    if hasattr(gc, 'freeze'):  # Python 3.7 and later
        gc.freeze()

_JOURNAL_LINE = re.compile(rb'^[^\0\n]+\0[0-9]+$')
_PHASE = {phases.public: 'public', phases.draft: 'draft', phases.secret: 'secret'}


def _emit(ui, obj):
    ui.write(json.dumps(obj, separators=(',', ':')).encode('ascii') + b'\n')


def _committed(fn):
    """Runs `fn` with HG_PENDING hidden, so Mercurial reads the files as they were before the
    transaction (bookmarks, phaseroots) instead of their .pending versions."""
    saved = encoding.environ.pop(b'HG_PENDING', None)
    try:
        return fn()
    finally:
        if saved is not None:
            encoding.environ[b'HG_PENDING'] = saved


def _obsstore_offset(repo):
    """Where this transaction started appending to the obsstore, from the journal of the
    transaction in progress (`file\\0offset` lines); None when it added no marker."""
    data = repo.svfs.tryread(b'journal')
    for line in data.splitlines():
        if not _JOURNAL_LINE.match(line):
            raise error.Abort(b'taskgate-refs: the transaction journal has a format this reader does not know')
        name, offset = line.split(b'\0')
        if name == b'obsstore':
            return int(offset)
    return None


def _new_markers(repo, txn):
    if not txn:
        return []
    offset = _obsstore_offset(repo)
    if offset is None:
        return []
    data = repo.svfs.tryread(b'obsstore')
    if not data or offset >= len(data):
        return []
    _version, markers = obsolete._readmarkers(data, offset or None)
    return list(markers)


def _bookmark_moves(ui, repo, unfi, opts, txn):
    """(name, old node or None, new node or None) for each bookmark the transaction (or --bookmark) changes."""
    new = dict(repo._bookmarks.items())
    if opts['bookmark']:
        old = dict(new)
        for spec in opts['bookmark']:
            name, _sep, rev = spec.partition(b'=')
            new[name] = scmutil.revsingle(repo, rev).node() if rev else None
    elif txn:
        # without HG_PENDING the transaction wrote no pending bookmarks: none moved
        old = dict(_committed(lambda: bookmarks.bmstore(unfi)).items())
    else:
        return []
    moves = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before != after:
            moves.append((name, before, after))
    return moves


def _emit_bookmarks(ui, unfi, moves):
    cl = unfi.changelog
    for name, before, after in moves:
        descends = None
        if before is not None and after is not None and cl.index.has_node(before):
            descends = cl.isancestorrev(cl.rev(before), cl.rev(after))
        _emit(ui, {'t': 'bookmark', 'name': name.hex(), 'old': before and hex(before).decode('ascii'),
                   'new': after and hex(after).decode('ascii'), 'descends': descends})


def _emit_phases(ui, unfi, origlen, oldpc):
    """Every changeset that is public now and was not before: new ones, and published drafts."""
    newpc = unfi._phasecache
    nonpublic = [p for p in phases.allphases if p != phases.public]
    before = sorted(r for r in oldpc.getrevset(unfi, nonpublic) if r < origlen)
    cl = unfi.changelog
    for rev in before + list(range(origlen, len(unfi))):
        if newpc.phase(unfi, rev) != phases.public:
            continue
        old = None if rev >= origlen else _PHASE.get(oldpc.phase(unfi, rev), 'secret')
        _emit(ui, {'t': 'public', 'node': hex(cl.node(rev)).decode('ascii'), 'old': old})


def _emit_markers(ui, unfi, markers, oldpc, origlen):
    cl = unfi.changelog
    newpc = unfi._phasecache
    for prec, succs, flags, _meta, _date, _parents in markers:
        phase = None
        if cl.index.has_node(prec):
            rev = cl.rev(prec)
            was = oldpc.phase(unfi, rev) if rev < origlen else phases.secret
            phase = 'public' if phases.public in (was, newpc.phase(unfi, rev)) else _PHASE.get(was, 'secret')
        _emit(ui, {'t': 'marker', 'prec': hex(prec).decode('ascii'),
                   'succs': [hex(s).decode('ascii') for s in succs], 'flags': flags, 'phase': phase})


def _old_heads(repo, unfi, origlen, markers):
    """The visible heads before the transaction: the changesets that existed then and are visible
    now, plus the ones this transaction's markers hide."""
    hidden = repo.changelog.filteredrevs
    cl = unfi.changelog
    revs = [r for r in range(origlen) if r not in hidden]
    revs.extend(cl.rev(m[0]) for m in markers if cl.index.has_node(m[0]) and cl.rev(m[0]) < origlen)
    return sorted(cl.headrevs(sorted(set(revs)))) if revs else []


def _emit_tags(ui, repo, unfi, origlen, markers, heads_before):
    """Tags as the repository resolves them (all heads, the newest wins), before and now."""
    newheads = sorted(repo.changelog.headrevs())
    oldheads = _old_heads(repo, unfi, origlen, markers) if heads_before is None else heads_before
    changes = tagsmod.difftags(ui, unfi, tagsmod.fnoderevs(ui, unfi, oldheads), tagsmod.fnoderevs(ui, unfi, newheads))
    for name, before, after in changes:
        _emit(ui, {'t': 'tag', 'name': name.hex(), 'old': before and hex(before).decode('ascii'),
                   'new': after and hex(after).decode('ascii')})


def _touches_tags(unfi, origlen):
    """Whether the new changesets can change the resolved tags: one edits .hgtags, or merges
    (a merge can drop a head's .hgtags without listing the file)."""
    cl = unfi.changelog
    return any(cl.parentrevs(r)[1] != nullrev or b'.hgtags' in cl.changelogrevision(r).files for r in range(origlen, len(unfi)))


@command(
    b'taskgate-refs',
    [
        (b'', b'txn', False, b'run from a pretxnclose hook: judge the transaction in progress'),
        (b'', b'new-from', b'', b'the first changeset this transaction added (HG_NODE), if any'),
        (b'', b'tags', False, b'tags as resolved before and with the transaction'),
        (b'', b'bookmark', [], b'NAME=REV: judge moving (NAME=: deleting) a bookmark instead of a transaction'),
        (b'', b'as-push', b'', b'a revset: judge its changesets as if they were one push (tags only)'),
    ],
    b'hg taskgate-refs [OPTION]...',
)
def taskgate_refs(ui, repo, **opts):
    unfi = repo.unfiltered()
    txn = bool(opts['txn'])
    origlen = len(unfi)
    if opts['new_from']:
        origlen = unfi.changelog.rev(bin(opts['new_from']))
    heads_before = None
    if opts['as_push']:
        # `taskgate check -r REVSET`: the history without those changesets and their descendants
        pushed = set(unfi.revs(b'(%r)::', opts['as_push']))
        origlen = min(pushed) if pushed else len(unfi)
        kept = [r for r in repo.changelog.revs() if r not in pushed]
        heads_before = sorted(unfi.changelog.headrevs(kept)) if kept else []
    oldpc = _committed(lambda: phases.phasecache(unfi, unfi._phasedefaults))
    markers = _new_markers(repo, txn)
    _emit_bookmarks(ui, unfi, _bookmark_moves(ui, repo, unfi, opts, txn))
    if txn:
        _emit_phases(ui, unfi, origlen, oldpc)
    _emit_markers(ui, unfi, markers, oldpc, origlen)
    if opts['tags'] and (markers or heads_before is not None or _touches_tags(unfi, origlen)):
        _emit_tags(ui, repo, unfi, origlen, markers, heads_before)
    _emit(ui, {'t': 'end', 'changesets': len(unfi) - origlen if heads_before is None else len(pushed)})


@command(
    b'taskgate-bookmark-move',
    [
        (b'', b'old', b'', b'where the bookmark was (empty: it is new)'),
        (b'', b'new', b'', b'where it is now'),
        (b'', b'track', [], b'contents of this file at both nodes'),
    ],
    b'hg taskgate-bookmark-move --old NODE --new NODE [--track PATH]...',
)
def taskgate_bookmark_move(ui, repo, **opts):
    """What a bookmark move changes, for the trigger: the files between its old and new
    node (everything at the new node for a new bookmark), and the tracked files at both."""
    unfi = repo.unfiltered()
    new = unfi[bin(opts['new'])]
    old = unfi[bin(opts['old'])] if opts['old'] else unfi[nullrev]
    _emit(ui, {'t': 'move', 'rev': new.rev(), 'branch': new.branch().hex(), 'old': old.rev() if opts['old'] else None})
    st = unfi.status(old, new)
    _emit(ui, {'t': 'status', 'added': [f.hex() for f in st.added], 'modified': [f.hex() for f in st.modified],
               'removed': [f.hex() for f in st.removed]})
    for path in opts['track']:
        for at, ctx in (('old', old), ('new', new)):
            data = ctx[path].data().hex() if ctx.rev() != nullrev and path in ctx else None
            _emit(ui, {'t': 'file', 'path': path.hex(), 'at': at, 'data': data})
    _emit(ui, {'t': 'end'})
