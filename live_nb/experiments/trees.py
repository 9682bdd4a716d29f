"""Git trees read in batches, one ``cat-file`` round trip per folder level, memoised by sha.

The experiments of one baseline share nearly all their trees, so each is read and parsed
once. Every tree kept has the trees below it kept too, except below the ``skipped`` folder
names (read only when asked for). Submodules are left out: their commits are not here.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping

from live_nb.git import GITLINK_MODE, TREE_MODE, parse_tree

__all__ = ["Entry", "ReadObjects", "Tree", "Trees"]

Entry = tuple[str, str]  # (mode, sha)
Tree = dict[str, Entry]  # name -> entry
ReadObjects = Callable[[list[str]], Mapping[str, "tuple[str, bytes] | None"]]


class Trees:
    """The trees of one repository, read through ``read`` (``ObjectReader.read_many``'s shape).

    A tree is ``name -> (mode, sha)``; a name that is not a tree in Git reads as empty.
    """

    def __init__(self, read: ReadObjects, skipped: Collection[str] = ()) -> None:
        """Read objects with ``read``; do not descend into folders named in ``skipped``."""
        self._read = read
        self._skipped = frozenset(skipped)
        self._trees: dict[str, Tree] = {}

    def get(self, sha: str) -> Tree:
        """The entries of tree ``sha`` (reading it and the trees below it if needed)."""
        if sha not in self._trees:
            self.load([sha])
        return self._trees[sha]

    def load(self, roots: Iterable[str]) -> None:
        """Read every tree under ``roots`` not read yet, one batch per folder level."""
        pending = [sha for sha in dict.fromkeys(roots) if sha not in self._trees]
        while pending:
            pending = self._keep(self._read(pending))

    def add(self, objects: Mapping[str, tuple[str, bytes] | None]) -> None:
        """Keep the trees among ``objects`` read elsewhere, then read every tree below them.

        ``objects`` may be named by any object name, such as ``<commit>:<path>``.
        """
        pending = self._keep({name: obj for name, obj in objects.items() if _is_tree(obj)})
        while pending:
            pending = self._keep(self._read(pending))

    def entry(self, tree: str, path: str) -> Entry | None:
        """The entry at ``path`` (``a/b/c``) under ``tree``; None when there is none."""
        entry: Entry | None = (TREE_MODE, tree)
        for part in path.split("/"):
            if entry is None or entry[0] != TREE_MODE:
                return None
            entry = self.get(entry[1]).get(part)
        return entry

    def files(self, tree: str, prefix: str = "") -> Iterator[tuple[str, str, str]]:
        """``(prefix + path, mode, sha)`` of every file and symlink under ``tree``."""
        for name, (mode, sha) in self.get(tree).items():
            if mode == TREE_MODE:
                yield from self.files(sha, f"{prefix}{name}/")
            else:
                yield f"{prefix}{name}", mode, sha

    def _keep(self, objects: Mapping[str, tuple[str, bytes] | None]) -> list[str]:
        """Keep ``objects`` as trees; return the trees below them not read yet."""
        below: dict[str, None] = {}
        for name, obj in objects.items():
            entries = _entries(obj)
            self._trees[name] = entries
            for child, (mode, sha) in entries.items():
                if mode == TREE_MODE and child not in self._skipped and sha not in self._trees:
                    below[sha] = None
        return list(below)


def _is_tree(obj: tuple[str, bytes] | None) -> bool:
    return obj is not None and obj[0] == "tree"


def _entries(obj: tuple[str, bytes] | None) -> Tree:
    if obj is None or obj[0] != "tree":
        return {}
    return {name: entry for name, entry in parse_tree(obj[1]).items() if entry[0] != GITLINK_MODE}
