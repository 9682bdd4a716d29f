"""The checkpoints after a chain's first, committed through long-lived Git processes.

A checkpoint changes only the run's results (a grown TSV, ``metrics.json``, a ``.dvc`` file),
yet building it through an index took four Git processes (``add``, ``write-tree``,
``commit-tree``, ``update-ref``): their start-up was most of the CPU a checkpoint took from
the training beside it. Here four processes live as long as the chain: ``hash-object -w
--stdin-paths`` for the changed files' blobs, ``mktree --batch`` for the trees along their
paths (the others kept from the previous checkpoint, in memory), ``hash-object -w -t commit
--stdin-paths`` for the commit, and ``update-ref --stdin`` moving the ref in a transaction
whose ``update REF NEW OLD`` is the same compare-and-swap. Objects are written before the
ref moves, so a SIGKILL at any moment leaves the ref at a complete checkpoint.

What this cannot build as ``git add`` would (a symbolic link, a name Git's line formats
cannot carry, a file where a folder was) raises :class:`Unsupported`: the caller builds that
checkpoint through the index instead, as before.
"""

from __future__ import annotations

import os
import stat
import time
from collections.abc import Sequence

from live_nb.git import GitCommandError, GitPipe, GitPipeClosedError, RefChangedError, Repository

__all__ = ["BatchCommitter", "Unsupported"]

_UNSAFE_IN_NAMES = ("\n", "\t", '"', "\\")  # what mktree's and hash-object's lines cannot carry
_RACY_SECONDS = 2.0  # a file changed this recently is hashed again even with the same stat
Entry = tuple[str, str, str]  # mode, type, sha


class Unsupported(Exception):
    """This checkpoint needs the index-based path (see the module's notes)."""


class BatchCommitter:
    """Trees and commits on top of one tree, for the checkpoints of one chain."""

    def __init__(self, repo: Repository, tree: str, reflog: str) -> None:
        """Start from ``tree`` (the previous checkpoint's); ``reflog``: the ref moves' message."""
        self._repo = repo
        self._dirs = _folders(repo, tree)
        self._seen: dict[str, tuple[tuple[int, ...], float, Entry]] = {}
        self._ident = _identity(repo)
        self._commit_file = repo.git_dir / "live_nb" / f"checkpoint-{os.getpid()}-{id(self)}.commit"
        self._commit_file.parent.mkdir(parents=True, exist_ok=True)
        root = repo.root
        self._blobs = GitPipe(root, ["hash-object", "-w", "--stdin-paths"])
        self._trees = GitPipe(root, ["mktree", "--batch"])
        self._commits = GitPipe(root, ["hash-object", "-w", "-t", "commit", "--stdin-paths"])
        self._refs = GitPipe(root, ["update-ref", "--stdin", "-m", reflog])

    def tree(self, files: Sequence[bytes]) -> str:
        """The tree with ``files`` (paths relative to the root, as ``git add`` takes them)."""
        dirty: set[str] = set()
        changed = [(path, entry) for path, entry in self._entries(files)]
        for path, entry in changed:
            folder, _, name = path.rpartition("/")
            self._folder(folder, dirty)
            if self._dirs[folder].get(name) != entry:
                if self._dirs[folder].get(name, entry)[1] != entry[1]:
                    raise Unsupported(path)
                self._dirs[folder][name] = entry
                dirty.add(folder)
        return self._write_trees(dirty)

    def commit(self, tree: str, parent: str, message: str) -> str:
        """Write the commit of ``tree`` on ``parent``; its sha."""
        when = _now()
        text = (
            f"tree {tree}\nparent {parent}\nauthor {self._ident[0]} {when}\n"
            f"committer {self._ident[1]} {when}\n\n{message}"
        )
        self._commit_file.write_bytes(text.encode("utf-8"))
        (sha,) = self._commits.ask(os.fsencode(self._commit_file) + b"\n")
        return sha.decode()

    def move(self, ref: str, new: str, old: str) -> None:
        """Point ``ref`` at ``new`` only if it is still at ``old``; ``RefChangedError`` if not."""
        request = f"start\nupdate {ref} {new} {old}\nprepare\ncommit\n".encode()
        try:
            self._refs.ask(request, replies=3)
        except GitPipeClosedError as error:
            reflog = self._refs.args[-1]
            self._refs = GitPipe(self._repo.root, self._refs.args)  # for the next checkpoint
            if self._refs.ref_moved(error):
                raise RefChangedError(ref, error.stderr) from error
            self._repo.update_ref(ref, new, old, reflog)  # a lock held meanwhile: retried there

    def close(self) -> None:
        """End the processes and remove the commit's scratch file."""
        for pipe in (self._blobs, self._trees, self._commits, self._refs):
            pipe.close()
        self._commit_file.unlink(missing_ok=True)

    def _entries(self, files: Sequence[bytes]) -> list[tuple[str, Entry]]:
        """Each file's path and tree entry; blobs hashed (written) only for changed files."""
        found: list[tuple[str, Entry]] = []
        ask: list[tuple[str, str, tuple[int, ...]]] = []
        root = self._repo.root
        for raw in files:
            path = os.fsdecode(raw)
            if any(mark in path for mark in _UNSAFE_IN_NAMES):
                raise Unsupported(path)
            try:
                info = os.lstat(root / path)
            except FileNotFoundError:
                continue  # gone meanwhile: left as the previous checkpoint had it, as git add
            if not stat.S_ISREG(info.st_mode):
                raise Unsupported(path)
            mode = "100755" if info.st_mode & stat.S_IXUSR else "100644"
            key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
            seen = self._seen.get(path)
            same = seen is not None and seen[0] == key and seen[2][0] == mode
            if seen is not None and same and _settled(seen[1], info):
                found.append((path, seen[2]))
            else:
                ask.append((path, mode, key))
        if ask:
            started = time.time()
            shas = self._blobs.ask(b"".join(os.fsencode(p) + b"\n" for p, _, _ in ask), len(ask))
            for (path, mode, signature), sha in zip(ask, shas):
                entry = (mode, "blob", sha.decode())
                self._seen[path] = (signature, started, entry)
                found.append((path, entry))
        return found

    def _folder(self, folder: str, dirty: set[str]) -> None:
        """Make sure ``folder`` and its parents exist in the tree being built."""
        if folder in self._dirs:
            return
        parent, _, name = folder.rpartition("/")
        self._folder(parent, dirty)
        if name in self._dirs[parent]:
            raise Unsupported(folder)  # a file where the folder goes
        self._dirs[folder] = {}
        self._dirs[parent][name] = ("040000", "tree", "")  # its sha comes with the next write
        dirty.add(parent)

    def _write_trees(self, dirty: set[str]) -> str:
        """Write the changed folders' trees, deepest first; the root tree's sha."""
        pending = set(dirty) | {""}
        while pending:
            folder = max(pending, key=lambda f: (f.count("/") + (f != ""), f))
            pending.discard(folder)
            entries = self._dirs[folder].items()
            listing = "".join(f"{m} {k} {sha}\t{name}\n" for name, (m, k, sha) in entries)
            (sha,) = self._trees.ask(listing.encode("utf-8", "surrogateescape") + b"\n")
            if folder == "":
                return sha.decode()
            parent, _, name = folder.rpartition("/")
            self._dirs[parent][name] = ("040000", "tree", sha.decode())
            pending.add(parent)
        raise AssertionError("the root tree is always written")


def _folders(repo: Repository, tree: str) -> dict[str, dict[str, Entry]]:
    """Every folder of ``tree`` with its entries (``ls-tree -r -t``: trees listed too)."""
    folders: dict[str, dict[str, Entry]] = {"": {}}
    output = repo.run_bytes("ls-tree", "-r", "-t", "-z", "--full-tree", tree)
    for record in filter(None, output.split(b"\0")):
        meta, _, raw = record.partition(b"\t")
        mode, kind, sha = meta.decode().split(" ")
        path = os.fsdecode(raw)
        if any(mark in path for mark in _UNSAFE_IN_NAMES):
            raise Unsupported(path)
        folder, _, name = path.rpartition("/")
        folders.setdefault(folder, {})[name] = (mode, kind, sha)
        if kind == "tree":
            folders.setdefault(path, {})
    return folders


def _identity(repo: Repository) -> tuple[str, str]:
    """``Name <email>`` of the author and the committer, as ``commit-tree`` would use them."""
    try:
        author = repo.run("var", "GIT_AUTHOR_IDENT")
        committer = repo.run("var", "GIT_COMMITTER_IDENT")
    except GitCommandError as error:  # no identity configured: the index path has a fallback
        raise Unsupported("no identity") from error
    if os.environ.get("GIT_AUTHOR_DATE") or os.environ.get("GIT_COMMITTER_DATE"):
        raise Unsupported("fixed dates")  # commit-tree would honour them
    return author.rsplit(" ", 2)[0], committer.rsplit(" ", 2)[0]


def _now() -> str:
    """Now as Git writes it in a commit: seconds and the local UTC offset."""
    seconds = int(time.time())
    offset = time.localtime(seconds).tm_gmtoff // 60
    sign = "+" if offset >= 0 else "-"
    return f"{seconds} {sign}{abs(offset) // 60:02d}{abs(offset) % 60:02d}"


def _settled(hashed_at: float, info: os.stat_result) -> bool:
    """Whether a file unchanged in ``stat`` since it was hashed is surely the same file.

    A file written within :data:`_RACY_SECONDS` of being hashed may have changed again
    within the same timestamp: it is hashed again (Git's "racily clean" entries).
    """
    return info.st_mtime_ns / 1e9 < hashed_at - _RACY_SECONDS
