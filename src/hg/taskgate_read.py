# taskgate's reader: loaded with --config extensions.taskgate_read=THIS_FILE so that one
# hg process reads a whole push.  It prints one JSON object per line; every byte string
# (file names, authors, descriptions, branch names, file contents) is hex-encoded so
# that nothing is lost to a decoding.  Policy lives in taskgate's TypeScript; this file
# only reads.
from __future__ import absolute_import

import gc
import json
import os
import struct
import sys

from mercurial import encoding, mdiff, registrar, scmutil
from mercurial.node import nullrev

cmdtable = {}
command = registrar.command(cmdtable)
testedwith = b'6.3 6.4 6.5 6.6 6.7 6.8 6.9'


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


def _hex(b):
    return b.hex()


# one encoder for every record: json.dumps with options builds a new encoder per call
_encode = json.JSONEncoder(separators=(',', ':')).encode


class _Output(object):
    """The records, written in chunks: one ui.write per record cost a write (under chg, a
    message on its socket) per changeset. Node still parses a chunk while hg reads on."""

    CHUNK = 64 * 1024

    def __init__(self, ui):
        self.ui = ui
        self.parts = []
        self.size = 0

    def emit(self, obj):
        line = _encode(obj)
        self.parts.append(line)
        self.size += len(line) + 1
        if self.size >= self.CHUNK:
            self.flush()

    def flush(self):
        if self.parts:
            self.parts.append('')
            self.ui.write('\n'.join(self.parts).encode('ascii'))
            self.parts = []
            self.size = 0


def _filesize(repo, ctx, path, cache, index, limit):
    """Size of `path` as of `ctx`, a changeset that is not a merge (exact when over `limit`),
    or None when the changeset removed it; `index` is the file's (by linkrev, by node)
    sizes from _read_index."""
    bylink, bynode = index
    hit = bylink.get(ctx.rev())
    if hit is not None:
        fnode, size = hit
    else:
        # removed, or back to a revision the file had before: ask the manifest
        mf = cache.get(ctx.rev())
        if mf is None:
            # readfast() is a delta against the first parent's manifest when one is stored
            mf = ctx.manifestctx().readfast()
            cache.clear()
            cache[ctx.rev()] = mf
        fnode = mf.get(path)
        if fnode is None:
            # absent from the delta: the changeset removed it (or left its entry as it
            # was, which makes it no change at all)
            return None
        size = bynode.get(fnode, -1)
    return _exact(repo, path, fnode, size, limit)


def _exact(repo, path, fnode, size, limit):
    """`size` from a filelog index, or the exact size when it is over `limit` or unknown: the
    index's size counts copy metadata too, so only the few candidates are read."""
    if size < 0 or size > limit:
        flog = repo.file(path)
        return flog.size(flog.rev(fnode))
    return size


_ENTRY = struct.Struct('>Qiiiiii20s12x')
_INLINE = 1 << 16


def _read_index(repo, path):
    """({linkrev: (node, size)}, {node: size}) for every revision of a file, read
    straight from its revlog index: opening 5,000 filelogs through the revlog class,
    or a manifest per changeset, costs more than the whole rest of a 10,000-changeset
    read. None when the index is in a format this does not know."""
    try:
        # join() encodes the store path; opening it directly skips the vfs's path audit,
        # and os-level reads skip a buffered file object (5,000 of them add up)
        fd = os.open(repo.svfs.join(b'data/' + path + b'.i'), os.O_RDONLY)
    except OSError:
        return None
    try:
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        data = b''.join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)
    if len(data) < _ENTRY.size:
        return None
    header = struct.unpack('>I', data[:4])[0]
    if header & 0xFFFF != 1:
        return None
    inline = bool(header & _INLINE)
    bylink = {}
    bynode = {}
    off = 0
    end = len(data)
    unpack = _ENTRY.unpack_from
    step = _ENTRY.size
    while off + step <= end:
        _offflags, complen, rawsize, _base, link, _p1, _p2, node = unpack(data, off)
        bylink[link] = (node, rawsize)
        bynode[node] = rawsize
        off += step + (complen if inline else 0)
    return bylink, bynode


def _manifest_entries(text):
    """{path: node hex + flags} of manifest lines."""
    out = {}
    for line in text.splitlines():
        path, _sep, value = line.partition(b'\0')
        out[path] = value
    return out


def _merge_changes(repo, cl, rev, p1rev):
    """What merge `rev` brings into its first parent's line, as `repo.status(p1, rev)` says,
    but from p1's manifest text and the merge's stored delta against it (a merge's manifest
    is stored as a delta against p1): parsing and diffing two full manifests per merge cost
    more than reading the whole changelog. Returns (added, modified, removed, {path: node}
    of the added and modified, p1's manifest text, {path: [flag here, flag in p1]} of the three)."""
    mlog = repo.manifestlog.getstorage(b'')
    m1 = mlog.rev(cl.changelogrevision(p1rev).manifest)
    m2 = mlog.rev(cl.changelogrevision(rev).manifest)
    p1text = mlog.rawdata(m1)
    delta = mlog.revdiff(m1, m2)
    old = {}
    new = {}
    pos = 0
    while pos < len(delta):
        start, end, length = _HUNK.unpack_from(delta, pos)
        pos += _HUNK.size
        old.update(_manifest_entries(p1text[start:end]))
        new.update(_manifest_entries(delta[pos:pos + length]))
        pos += length
    added = sorted(p for p in new if p not in old)
    modified = sorted(p for p in new if p in old and old[p] != new[p])
    removed = sorted(p for p in old if p not in new)
    nodes = {p: bytes.fromhex(new[p][:40].decode('ascii')) for p in added + modified}
    flags = {p: [_entry_flag(new.get(p)), _entry_flag(old.get(p))] for p in added + modified + removed}
    return added, modified, removed, nodes, p1text, flags


def _entry_flag(value):
    """The flag of a manifest entry's value (node hex, then the flag), or None for no entry."""
    return None if value is None else value[40:].decode('ascii')


def _manifest_node(text, path):
    """The node of `path` in a manifest text, or None."""
    key = path + b'\0'
    at = 0 if text.startswith(key) else text.find(b'\n' + key)
    if at < 0:
        return None
    at = at + len(key) + (0 if at == 0 else 1)
    return bytes.fromhex(text[at:at + 40].decode('ascii'))


_HUNK = struct.Struct('>lll')


def _flag(mf, path):
    """A file's manifest flag as text ('', 'x' or 'l'), or None when absent from `mf`."""
    if mf is None or path not in mf:
        return None
    return mf.flags(path).decode('ascii')


def _delta_flags(mlog, p1manifest, manifest):
    """{path: flag} of the manifest entries a changeset adds or changes against its first
    parent's manifest, from the delta between the two manifest revisions (stored as such in
    almost every case): a manifestctx per changeset cost three times as much."""
    delta = mlog.revdiff(mlog.rev(p1manifest), mlog.rev(manifest))
    out = {}
    pos = 0
    while pos < len(delta):
        _start, _end, length = _HUNK.unpack_from(delta, pos)
        pos += _HUNK.size
        for line in delta[pos:pos + length].splitlines():
            path, _sep, value = line.partition(b'\0')
            out[path] = value[40:].decode('ascii')
        pos += length
    return out


def _file_flags(repo, rev, parents, judged, merge, manifests):
    """[flag here, flag in the first parent] of each judged file. Here: from the changeset's
    manifest delta against its first parent (a full manifest read per changeset costs several
    times the whole read); `manifests` gives a revision's manifest node. A merge's come with
    its changes against its first parent (_merge_changes); a root reads its manifest. The first parent's flag is read, from its whole
    manifest, only where it decides something: for a file that is now executable, and for a
    removed and a present file whose names differ only in case; elsewhere it repeats the flag
    here ('' for a removed file)."""
    if merge:
        # both sides of what the merge brings into its first parent's line: its manifest delta
        return [merge.flags[f] for f in judged]
    if parents:
        delta = _delta_flags(repo.manifestlog.getstorage(b''), manifests(parents[0]), manifests(rev))
        here = [delta.get(f) for f in judged]
    else:
        now = repo[rev].manifest()
        here = [_flag(now, f) for f in judged]
    fold = [f.decode('utf-8', 'replace').lower() for f in judged]
    gone = set(k for k, h in zip(fold, here) if h is None)
    kept = set(k for k, h in zip(fold, here) if h is not None)
    p1 = []

    def before(f):
        if not p1:
            p1.append(repo[parents[0]].manifest() if parents else None)
        return _flag(p1[0], f)

    out = []
    for f, k, h in zip(judged, fold, here):
        if h == 'x' or (h is None and k in kept) or (h is not None and k in gone):
            out.append([h, before(f)])
        else:
            out.append([h, '' if h is None else h])
    return out


def _added_lines(old, new):
    """(1-based line number, bytes) for each line of `new` that `old` lacks."""
    out = []
    newlines = mdiff.splitnewlines(new)
    if not old:
        for i, line in enumerate(newlines):
            out.append([i + 1, _hex(line.rstrip(b'\r\n'))])
        return out
    for (a1, a2, b1, b2), kind in mdiff.allblocks(old, new):
        if kind != b'!':
            continue
        for i in range(b1, b2):
            out.append([i + 1, _hex(newlines[i].rstrip(b'\r\n'))])
    return out


@command(
    b'taskgate-read',
    [
        (b'r', b'rev', b'', b'the changesets to read (a revset)'),
        (b'', b'sizes', -1, b'sizes of the files each changeset adds or modifies, exact above this many bytes'),
        (b'', b'added-lines', 0, b'added lines of text files up to this many bytes'),
        (b'', b'track', [], b'contents of this file where the policy needs it'),
        (b'', b'head-files', False, b'the file list of each new head'),
        (b'', b'heads', False, b'open heads of the branches the changesets touch'),
        (b'', b'branch-bases', False, b'which branches existed before, and their base revisions'),
        (b'', b'exclude-ancestors-of', b'', b'a file of hex nodes: leave out them and their ancestors (unknown nodes are ignored)'),
        (b'', b'head-status', False, b'for each new head, its status against where its first-parent chain leaves the changesets'),
        (b'', b'flags', False, b'manifest flags (symlink, executable) of each judged file, here and in the first parent'),
        (b'', b'parent-branches', False, b'the branches of the parents of each merge'),
    ],
    b'hg taskgate-read -r REVSET [OPTION]...',
)
def taskgate_read(ui, repo, **opts):
    revs = sorted(scmutil.revrange(repo, [opts['rev']]))
    if opts['exclude_ancestors_of']:
        revs = _exclude_ancestors(repo, revs, opts['exclude_ancestors_of'])
    out = _Output(ui)
    reader = _Reader(out, repo, revs, opts)
    for rev in revs:
        reader.changeset(rev)
    heads = [r for r in revs if r not in reader.children]
    reader.head_files(heads)
    if opts['head_status']:
        reader.head_status(heads)
    if opts['branch_bases']:
        reader.branch_bases()
    if opts['heads']:
        reader.open_heads()
    out.emit({'t': 'end', 'count': len(revs)})
    out.flush()


def _exclude_ancestors(repo, revs, path):
    """`revs` without the nodes listed in `path` and their ancestors."""
    # nodes a store has processed: some may have been stripped since, so unknown ones are skipped
    known = []
    with open(path, 'rb') as fp:
        for line in fp.read().split():
            try:
                known.append(repo.changelog.rev(bytes.fromhex(line.decode('ascii'))))
            except (ValueError, LookupError):
                pass
    if not known:
        return revs
    covered = set(repo.changelog.ancestors(known, inclusive=True))
    return [r for r in revs if r not in covered]


class _Merge(object):
    """What a merge brings into its first parent's line (see _merge_changes)."""

    def __init__(self, repo, cl, rev, p1rev):
        self.added, self.modified, self.removed, self.nodes, self.p1text, self.flags = _merge_changes(repo, cl, rev, p1rev)


class _Reader(object):
    """One read: the state the records share, and one method per record kind."""

    def __init__(self, out, repo, revs, opts):
        self.out = out
        self.repo = repo
        self.cl = repo.changelog
        self.revs = revs
        self.incoming = set(revs)
        self.first = revs[0] if revs else len(repo)
        self.tracked = list(opts['track'] or [])
        self.maxdiff = int(opts['added_lines'] or 0)
        self.limit = opts['sizes']
        self.head_files_wanted = opts['head_files']
        self.flags = opts['flags']
        self.parent_branches = opts['parent_branches']
        self.mfcache = {}
        self.manifests = {}  # rev -> manifest node, of the changesets read
        self.filelogs = {}
        self.children = set()
        self.branches = {}
        self.contents = {}  # (path, rev) already emitted -> its content

    def manifest_of(self, rev):
        """The manifest node of a changeset: read already, or from its changelog entry."""
        node = self.manifests.get(rev)
        return node if node is not None else self.cl.changelogrevision(rev).manifest

    def track(self, path, rev, known=False, data=None):
        """Emits `path` as of `rev` once; `known` passes its content (hex, or None when absent)."""
        key = (path, rev)
        if key in self.contents:
            return self.contents[key]
        if not known:
            data = None
            if rev != nullrev:
                ctx = self.repo[rev]
                if path in ctx:
                    data = _hex(ctx[path].data())
        self.contents[key] = data
        self.out.emit({'t': 'file', 'path': _hex(path), 'rev': rev, 'data': data})
        return data

    def changeset(self, rev):
        """The `cs` record of one changeset, then the tracked files it changes."""
        cl = self.cl
        # the changelog entry straight, without a changectx: this runs per changeset
        entry = cl.changelogrevision(rev)
        parents = [p for p in cl.parentrevs(rev) if p != nullrev]
        for p in parents:
            if p in self.incoming:
                self.children.add(p)
        files = entry.files
        extra = entry.extra
        self.manifests[rev] = entry.manifest
        branch = extra.get(b'branch') or b'default'
        rec = {
            't': 'cs',
            'node': cl.node(rev).hex(),
            'rev': rev,
            'parents': [cl.node(p).hex() for p in parents],
            'parentRevs': parents,
            'branch': _hex(encoding.tolocal(branch)),
            'closes': b'close' in extra,
            'user': _hex(entry.user),
            'date': list(entry.date),
            'desc': _hex(entry.description),
            'files': [_hex(f) for f in files],
        }
        merge = _Merge(self.repo, cl, rev, parents[0]) if len(parents) == 2 else None
        judged = files
        if merge:
            # a merge is judged on what it brings into its first parent's line
            rec['mergeAdded'] = [_hex(f) for f in merge.added]
            rec['mergeModified'] = [_hex(f) for f in merge.modified]
            rec['mergeRemoved'] = [_hex(f) for f in merge.removed]
            judged = merge.added + merge.modified + merge.removed
        if self.flags:
            rec['flags'] = _file_flags(self.repo, rev, parents, judged, merge, self.manifest_of)
        if merge and self.parent_branches:
            rec['parentBranches'] = [_hex(encoding.tolocal(cl.branchinfo(p)[0])) for p in parents]
        ctx = None
        if self.limit >= 0:
            rec['sizes'], ctx = self.sizes(rev, judged, merge)
        if self.maxdiff:
            rec['added'] = self.added(ctx if ctx is not None else self.repo[rev], parents, judged)
        self.out.emit(rec)
        self.branches.setdefault(encoding.tolocal(branch), []).append(rev)
        self.track_changed(rev, parents, files, merge)

    def sizes(self, rev, judged, merge):
        """Sizes of the judged files (see _filesize), and the changectx if one was needed."""
        sizes = []
        ctx = None
        for f in judged:
            index = self.filelogs.get(f)
            if index is None:
                index = self.filelogs[f] = _read_index(self.repo, f) or ({}, {})
            if merge:
                # the merge's delta named the node; a removed file has none
                fnode = merge.nodes.get(f)
                sizes.append(None if fnode is None else _exact(self.repo, f, fnode, index[1].get(fnode, -1), self.limit))
                continue
            hit = index[0].get(rev)
            if hit is not None and 0 <= hit[1] <= self.limit:
                # the revision this changeset added to the file's log: no manifest needed
                sizes.append(hit[1])
                continue
            if ctx is None:
                ctx = self.repo[rev]
            sizes.append(_filesize(self.repo, ctx, f, self.mfcache, index, self.limit))
        return sizes, ctx

    def added(self, ctx, parents, judged):
        """The added lines of each judged text file up to --added-lines bytes."""
        added = []
        p1 = self.repo[parents[0]] if parents else None
        for f in judged:
            if f not in ctx:
                continue
            fctx = ctx[f]
            if fctx.size() > self.maxdiff:
                added.append({'path': _hex(f), 'skipped': 'size'})
                continue
            new = fctx.data()
            if b'\0' in new:
                continue
            old = b''
            if p1 is not None and f in p1:
                old = p1[f].data()
                if b'\0' in old:
                    old = b''
            added.append({'path': _hex(f), 'lines': _added_lines(old, new)})
        return added

    def track_changed(self, rev, parents, files, merge):
        """The tracked files a changeset changes, as of it and its first parent."""
        for path in self.tracked:
            if merge:
                # p1's content from its manifest text; the merge's is p1's unless it changed it
                before = self.contents.get((path, parents[0]), False)
                if before is False:
                    fnode = _manifest_node(merge.p1text, path)
                    before = None if fnode is None else _hex(self.repo.file(path).read(fnode))
                if path in merge.nodes:
                    after = _hex(self.repo.file(path).read(merge.nodes[path]))
                else:
                    after = None if path in merge.removed else before
                self.track(path, rev, True, after)
                self.track(path, parents[0], True, before)
            elif path in files:
                self.track(path, rev)
                if parents:
                    self.track(path, parents[0])

    def head_files(self, heads):
        """The tracked files at each new head, and (--head-files) its file list."""
        for h in heads:
            for path in self.tracked:
                self.track(path, h)
            if self.head_files_wanted:
                self.out.emit({'t': 'headfiles', 'rev': h, 'files': [_hex(f) for f in self.repo[h].manifest()]})

    def head_status(self, heads):
        """For each new head, its status against where its first-parent chain leaves the changesets (DESIGN §6)."""
        for h in heads:
            base = h
            while base in self.incoming:
                base = self.cl.parentrevs(base)[0]
            st = self.repo.status(base if base != nullrev else nullrev, h)
            self.out.emit({'t': 'headstatus', 'rev': h, 'base': base if base != nullrev else None,
                            'added': [_hex(f) for f in st.added], 'modified': [_hex(f) for f in st.modified],
                            'removed': [_hex(f) for f in st.removed]})
            for path in self.tracked:
                self.track(path, base)

    def branch_bases(self):
        """Which branches existed before, their bases, and the roots of new lines."""
        repo = self.repo
        for name in sorted(self.branches):
            existing = list(repo.revs(b'max(branch(%s) and :%d)', b'literal:' + name, self.first - 1)) if self.first > 0 else []
            base = existing[0] if existing else None
            self.out.emit({'t': 'branch', 'name': _hex(name), 'existed': base is not None, 'base': base})
            if base is not None:
                for path in self.tracked:
                    self.track(path, base)
        # a changeset of a new branch is judged against the point where its
        # first-parent chain leaves the incoming changesets
        for rev in self.revs:
            p1 = repo.changelog.parentrevs(rev)[0]
            if p1 not in self.incoming:
                self.out.emit({'t': 'root', 'rev': rev, 'base': p1 if p1 != nullrev else None})
                for path in self.tracked:
                    self.track(path, p1)

    def open_heads(self):
        """The open heads of each branch the changesets touch."""
        bm = self.repo.branchmap()
        for name in sorted(self.branches):
            open_heads = [self.repo[n].hex().decode('ascii') for n in bm.branchheads(name, closed=False)] if name in bm else []
            self.out.emit({'t': 'heads', 'branch': _hex(name), 'heads': open_heads})
