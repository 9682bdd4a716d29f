"""Writing a checkpoint chain: each checkpoint a commit on the previous one, the ref moved on.

The first checkpoint creates the experiment ref (its commit's parent is the baseline, or the
checkpoint a run resumed from); each next one is committed on the previous and the ref moved
with a compare-and-swap, so a SIGKILL at any moment leaves the ref at a complete checkpoint.
The final save of the run is one more commit of the chain. Trees are built as ``save`` builds
them, in a temporary index, without touching the user's HEAD, index or working tree.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from live_nb.checkpoints.batch import BatchCommitter, Unsupported
from live_nb.experiments.chain import (
    FILES_TRAILER,
    STEP_TRAILER,
    checkpoint_message,
    files_trailer,
)
from live_nb.experiments.names import check_experiment_name, random_name
from live_nb.experiments.refs import ExpRef, baseline_refs
from live_nb.experiments.save import (
    SavedExperiment,
    commit_tree,
    include_in_tree,
    included_files,
    temporary_index,
    workspace_tree,
)
from live_nb.formats.files import remove_quietly
from live_nb.git import ZERO_SHA, GitError, RefChangedError, Repository

__all__ = ["ChainStart", "ChainWriter"]

_MAX_SUFFIX = 1000  # name, name-2, ... name-999: as a %%live cell run again
_BATCH_FAILURES = 3  # batch commits given up after this many failures: the index path alone


@dataclass(frozen=True)
class ChainStart:
    """Where the chain begins: a new experiment, or one a resumed run may extend.

    ``parent`` is the first commit's parent (None: HEAD, the baseline). A resumed run passes
    the commit it resumed from, and ``extend`` the experiment whose ref points there: its
    first commit then moves that ref on when the code and params are those of ``parent``
    (paths under ``ignored`` aside, see ``resume.same_code``), else starts a new experiment.
    """

    name: str | None = None
    parent: str | None = None
    extend: ExpRef | None = None
    ignored: tuple[str, ...] = ()


class ChainWriter:
    """Commits checkpoints and the final save of one run, in the repository at ``root``."""

    def __init__(self, root: Path, start: ChainStart) -> None:
        """Nothing is written until the first checkpoint."""
        self.root = root
        self.start = start
        self.exp: ExpRef | None = None
        self.tip: str | None = None
        self.step: int | None = None
        self._repo = Repository.discover(root)
        self._index: Path | None = None  # kept from the first checkpoint: the others add to it
        self._baseline: str | None = None
        self._batch: BatchCommitter | None = None  # the checkpoints after the first (batch.py)
        self._tree: str | None = None  # the last checkpoint's tree
        self._failures = 0

    @property
    def started(self) -> bool:
        """Whether the final save belongs to this chain: it has a commit, or resumes one."""
        return self.tip is not None or self.start.parent is not None

    def checkpoint(self, step: int, include: Sequence[Path], files: Mapping[str, int]) -> str:
        """Commit the workspace with ``include`` as the checkpoint of ``step``; its sha.

        ``files`` maps each declared file cached to the step of its content.
        """
        repo = self._repo
        if self._index is None or self._baseline is None:
            index = temporary_index(repo.git_dir)
            self._baseline, tree = workspace_tree(self.root, include=include, index=index)
            self._index = index
        else:
            batched = self._batched(step, include, files)
            if batched is not None:
                return batched
            tree = include_in_tree(repo, self._index, include)

        def text(name: str) -> str:
            return checkpoint_message(name, step, files)

        commit = self._commit(repo, self._baseline, tree, step, text)
        self._tree = tree
        return commit

    def _batched(self, step: int, include: Sequence[Path], files: Mapping[str, int]) -> str | None:
        """The checkpoint through long-lived Git processes (batch.py); None: use the index."""
        exp, tip, tree = self.exp, self.tip, self._tree
        if exp is None or tip is None or tree is None or self._failures >= _BATCH_FAILURES:
            return None
        try:
            if self._batch is None:
                self._batch = BatchCommitter(self._repo, tree, f"live_nb: checkpoint {exp.name}")
            new_tree = self._batch.tree(included_files(self._repo, include))
            commit = self._batch.commit(new_tree, tip, checkpoint_message(exp.name, step, files))
            self._batch.move(exp.ref, commit, tip)
        except RefChangedError:
            raise
        except (Unsupported, GitError, OSError):
            self._failures += 1
            self._close_batch()
            return None
        self.tip, self.step, self._tree = commit, step, new_tree
        return commit

    def _close_batch(self) -> None:
        if self._batch is not None:
            self._batch.close()
            self._batch = None

    def close(self) -> None:
        """Remove the kept index (a killed process's is removed by the next save)."""
        self._close_batch()
        if self._index is not None:
            remove_quietly(self._index)
            self._index = None

    def finish(
        self,
        message: str | None,
        include: Sequence[Path],
        files: Mapping[str, int],
        trailers: Mapping[str, str],
        step: int | None = None,
        contents: Mapping[Path, bytes] | None = None,
    ) -> SavedExperiment:
        """The final save: one more commit of the chain, with the run's outcome in ``trailers``.

        ``contents``: files committed with these bytes, not what is on disk (as ``save``'s).
        """
        baseline, tree = workspace_tree(self.root, include=include, contents=contents)
        step = step if step is not None else self.step or 0
        return self.save_tree(baseline, tree, message, trailers, step, files)

    def save_tree(
        self,
        baseline: str,
        tree: str,
        message: str | None,
        trailers: Mapping[str, str],
        step: int,
        files: Mapping[str, int],
    ) -> SavedExperiment:
        """Commit ``tree`` as the chain's final save (a headless run's folder, read back).

        Raises ``RefChangedError`` when the experiment it extends moved meanwhile.
        """
        every = {**trailers, STEP_TRAILER: str(step), FILES_TRAILER: files_trailer(files)}
        lines = [f"{key}: {' '.join(str(value).split())}" for key, value in every.items()]

        def text(name: str) -> str:
            subject = message or f"live_nb experiment {name}"
            return subject.rstrip("\n") + "\n\n" + "\n".join(lines) + "\n"

        with Repository.discover(self.root) as repo:
            commit = self._commit(repo, baseline, tree, step, text)
        assert self.exp is not None
        return SavedExperiment(self.exp.name, self.exp.baseline, commit, self.exp.ref)

    def _commit(
        self, repo: Repository, baseline: str, tree: str, step: int, text: Callable[[str], str]
    ) -> str:
        if self.exp is None and self._extends(repo, tree):
            self.exp, self.tip = self.start.extend, self.start.parent
        if self.exp is None:
            return self._create(repo, baseline, tree, step, text)
        assert self.tip is not None
        commit = commit_tree(repo, tree, self.tip, text(self.exp.name))
        repo.update_ref(self.exp.ref, commit, self.tip, f"live_nb: checkpoint {self.exp.name}")
        self.tip, self.step = commit, step
        return commit

    def _extends(self, repo: Repository, tree: str) -> bool:
        from live_nb.checkpoints.resume import same_code

        start = self.start
        if start.extend is None or start.parent is None:
            return False
        return same_code(repo, start.parent, tree, start.ignored)

    def _create(
        self, repo: Repository, baseline: str, tree: str, step: int, text: Callable[[str], str]
    ) -> str:
        """The first commit: a new ref, under the first free name of the candidates."""
        parent = self.start.parent or baseline
        taken = {exp.name for exp, _ in baseline_refs(repo, baseline)}
        for name in _candidates(self.start.name, taken):
            exp = ExpRef(baseline, name)
            commit = commit_tree(repo, tree, parent, text(name))
            try:
                repo.update_ref(exp.ref, commit, ZERO_SHA, f"live_nb: checkpoint {name}")
            except RefChangedError:
                taken.add(name)  # taken meanwhile by another process
                continue
            self.exp, self.tip, self.step = exp, commit, step
            return commit
        raise RefChangedError(f"refs/exps/.../{self.start.name}", "every candidate name taken")


def _candidates(name: str | None, taken: set[str]) -> Iterable[str]:
    if name is None:
        for _ in range(5):
            yield random_name(taken)
        return
    check_experiment_name(name)
    for number in range(1, _MAX_SUFFIX):
        candidate = name if number == 1 else f"{name}-{number}"
        if candidate not in taken:
            yield candidate


def relative_posix(path: Path, root: Path) -> str:
    """``path`` relative to ``root``, with '/'."""
    return Path(os.path.relpath(path, root)).as_posix()
