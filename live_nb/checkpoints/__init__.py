"""Checkpoints: every few steps a commit of the run so far, so a dead kernel loses nothing.

``Live(checkpoint=...)`` (or ``%%live --checkpoint``) makes a :class:`Checkpointer`. At each
step it is told of, it asks for a checkpoint when one is due; the commit is built on a
background thread from the files already written (at most one in flight, the next one
coalesced), so the loop never waits for Git. One module per job:

- :mod:`.schedule`: when a checkpoint is due (every step, every N steps, an interval);
- :mod:`.worker`: the background thread, one job at a time, requests coalesced;
- :mod:`.files`: the declared files worth resuming, cached at every checkpoint;
- :mod:`.chain`: the commits themselves and the compare-and-swap ref moves;
- :mod:`.resume`: a run continued from a checkpoint (``resume_from=``).

Reading chains back (``NAME@STEP``, the state of a run) is ``live_nb.experiments.chain``.
"""

from __future__ import annotations

import os
import threading
import time
import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from live_nb.checkpoints.chain import ChainStart, ChainWriter, relative_posix
from live_nb.checkpoints.files import DeclaredFiles
from live_nb.checkpoints.schedule import InvalidCheckpointScheduleError, Schedule
from live_nb.checkpoints.worker import Worker
from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.experiments.refs import NoCommitsError
from live_nb.experiments.save import SavedExperiment
from live_nb.formats.artifacts import Signature
from live_nb.git import NotAGitRepositoryError, RefChangedError, Repository

__all__ = ["ChainStart", "Checkpointer", "InvalidCheckpointScheduleError", "Schedule"]


class Checkpointer:
    """The checkpoints of one run: when they are due, and the thread that makes them.

    ``prepare()`` brings the run's result files up to date and returns the step they name;
    ``include()`` lists the paths a checkpoint holds beside the workspace (the output folder,
    ``dvc.yaml``, the ``.dvc`` files of artifacts).
    """

    def __init__(
        self,
        schedule: Schedule | None,
        prepare: Callable[[], int | None],
        include: Callable[[], Sequence[Path]],
        start: ChainStart | None = None,
    ) -> None:
        """Checkpoints are off, with one warning, outside a Git repository with a commit."""
        self.schedule = schedule
        self.files = DeclaredFiles()
        self.latencies: list[float] = []  # seconds from due to ref moved, per checkpoint
        self.disabled: str | None = None
        self._prepare = prepare
        self._include = include
        self._last: float | None = None
        self._wanted: tuple[int, dict[Path, Signature | None]] = (0, {})  # the latest request
        self._warned: set[str] = set()
        self._lock = threading.Lock()  # one writer of the chain: the thread, or the final save
        self._writer: ChainWriter | None = None
        try:
            with Repository.discover(".") as repo:
                if repo.head() is None:
                    raise NoCommitsError()
                self.root = repo.root
        except LiveNbError as error:
            self.root = Path.cwd()
            self._disable(str(error))
        else:
            self._writer = ChainWriter(self.root, start or ChainStart())
        self._worker = Worker(self._job) if self._writer is not None else None

    @property
    def experiment(self) -> tuple[str, str] | None:
        """``(name, ref)`` of the experiment once its first checkpoint is made."""
        writer = self._writer
        if writer is None or writer.exp is None or writer.tip is None:
            return None
        return writer.exp.name, writer.exp.ref

    @property
    def coalesced(self) -> int:
        """Requests absorbed by one already pending."""
        return self._worker.coalesced if self._worker is not None else 0

    def declare(self, path: str | os.PathLike[str]) -> None:
        """Cache ``path`` at every checkpoint (see :mod:`.files`)."""
        self.files.declare(path)

    def step_done(self, steps_done: int) -> None:
        """``steps_done`` steps are complete: ask for a checkpoint if one is due."""
        if self.schedule is not None and self._worker is not None:
            now = time.monotonic()
            if self.schedule.due(steps_done, now, self._last):
                self._last = now
                self.request(steps_done - 1)

    def request(self, step: int) -> None:
        """Ask for a checkpoint of the run at the end of ``step``; made in the background.

        The declared files are taken as they are now (a ``stat`` each): their content is
        cached only if still the same when the checkpoint is built.
        """
        if self._worker is None:
            return
        self.files.warn_missing()
        self._wanted = (step, self.files.signatures())  # one assignment: read whole by the job
        self._worker.request()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the checkpoint in flight and the one pending; False on timeout."""
        return self._worker.wait(timeout) if self._worker is not None else True

    def close(self) -> None:
        """Stop: a pending checkpoint is dropped (the final save follows), one in flight ends."""
        if self._worker is not None:
            self._worker.close()
        with self._lock:
            if self._writer is not None:
                self._writer.close()

    def finish(
        self,
        message: str | None,
        include: Sequence[Path],
        trailers: Mapping[str, str],
        contents: Mapping[Path, bytes] | None = None,
    ) -> SavedExperiment | None:
        """The final save as the chain's last commit; None when checkpoints are off.

        Without any checkpoint made (a short run), it is the chain's only commit. ``contents``
        (the notebook as the front end showed it) is committed instead of those files on disk.
        """
        self.close()
        with self._lock:
            writer = self._writer
            if writer is None:  # checkpoints off: a plain save
                return None
            step = self._prepare()
            dvc_files = self.files.cache(step=step or 0)
            paths = [*include, *dvc_files]
            return writer.finish(message, paths, self._file_steps(), trailers, step, contents)

    def _file_steps(self) -> dict[str, int]:
        """Each declared file cached so far, relative to the root, with its content's step."""
        return {relative_posix(path, self.root): step for path, step in self.files.steps.items()}

    def _job(self, due: float) -> None:
        writer = self._writer
        if writer is None:
            return
        try:
            with self._lock:
                step, expected = self._wanted
                dvc_files = self.files.cache(expected, step)  # first: the files change soonest
                self._prepare()  # metrics.json of this step or later (the TSVs too)
                writer.checkpoint(step, [*self._include(), *dvc_files], self._file_steps())
            self.latencies.append(time.monotonic() - due)
        except (RefChangedError, NotAGitRepositoryError, NoCommitsError) as error:
            self._disable(str(error))  # the experiment removed meanwhile, the repository gone
        except Exception as error:  # never let a checkpoint break the run
            self._warn("failed", f"a checkpoint failed ({type(error).__name__}: {error}).")

    def _disable(self, reason: str) -> None:
        self.disabled = reason
        if self._writer is not None:
            self._writer.close()
        self._writer = None
        self._warn("off", f"checkpoints are off: {reason} Logging goes on.")

    def _warn(self, kind: str, text: str) -> None:
        if kind not in self._warned:
            self._warned.add(kind)
            warnings.warn(f"live_nb: {text}", LiveNbWarning, stacklevel=4)
