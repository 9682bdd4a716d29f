"""Where experiments live in Git: ``refs/exps/<baseline[:2]>/<baseline[2:]>/<name>``, as in DVC.

Finding them (:func:`list_refs`, or one baseline's with :func:`baseline_refs`), naming one
(:func:`resolve`), and the refs live_nb keeps beside them: apply's backups under
:data:`BACKUP_NAMESPACE`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Mapping

from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.experiments.names import closest, join_first
from live_nb.git import Repository
from live_nb.records import record

EXPS_NAMESPACE = "refs/exps"
# DVC's own bookkeeping under refs/exps: never experiments.
INTERNAL_NAMESPACES = frozenset({"exec", "stash", "apply", "celery", "temp", "runs"})
# Work set aside by `apply --force`: outside refs/exps, so DVC neither lists nor clears it.
BACKUP_NAMESPACE = "refs/live_nb/backup"
_HEX = re.compile(r"[0-9a-f]+")
_OID_LENGTHS = (40, 64)  # SHA-1 and SHA-256 object names, in hex


@record(frozen=True, order=True)
class ExpRef:
    """An experiment's identity: the commit it started from, and its name."""

    baseline: str
    name: str

    @property
    def ref(self) -> str:
        """The full ref name, ``refs/exps/<baseline[:2]>/<baseline[2:]>/<name>``."""
        return f"{EXPS_NAMESPACE}/{self.baseline[:2]}/{self.baseline[2:]}/{self.name}"

    @classmethod
    def parse(cls, ref: str) -> ExpRef | None:
        """The ExpRef of an experiment ref; None for DVC's internal refs or other shapes."""
        parts = ref.split("/")
        if len(parts) != 5 or "/".join(parts[:2]) != EXPS_NAMESPACE:
            return None
        head, tail, name = parts[2], parts[3], parts[4]
        if (
            len(head) != 2
            or len(head + tail) not in _OID_LENGTHS
            or not _HEX.fullmatch(head + tail)
        ):
            return None
        return cls(head + tail, name)


class NoCommitsError(LiveNbError, RuntimeError):
    """The repository has no commit, so there is no baseline to start from."""

    def __init__(self) -> None:
        """Say how to make the first commit."""
        super().__init__(
            "The Git repository has no commit yet, so an experiment has no baseline. "
            "Make a first commit (git add . && git commit -m 'Initial commit') to save experiments."
        )


def require_head(repo: Repository) -> str:
    """HEAD's commit; raises :class:`NoCommitsError` in a repository without commits."""
    head = repo.head()
    if head is None:
        raise NoCommitsError()
    return head


def list_refs(repo: Repository) -> list[tuple[ExpRef, str]]:
    """Every experiment in the repository with its commit, in one ``for-each-ref``.

    Refs of other shapes under refs/exps (not DVC's own) are skipped with one warning.
    """
    found: list[tuple[ExpRef, str]] = []
    strange: list[str] = []
    for ref, sha in repo.refs(EXPS_NAMESPACE):
        parsed = ExpRef.parse(ref)
        if parsed is not None:
            found.append((parsed, sha))
        elif ref.split("/")[2] not in INTERNAL_NAMESPACES:
            strange.append(ref)
    if strange:
        warnings.warn(
            f"Skipped {len(strange)} ref(s) under refs/exps that are not experiments: "
            f"{join_first(strange, 3)}",
            LiveNbWarning,
            stacklevel=2,
        )
    return found


def baseline_refs(repo: Repository, baseline: str) -> list[tuple[ExpRef, str]]:
    """The experiments of ``baseline`` with their commits, reading only that baseline's refs."""
    prefix = f"{EXPS_NAMESPACE}/{baseline[:2]}/{baseline[2:]}/"
    found = [(ExpRef.parse(ref), sha) for ref, sha in repo.refs(prefix)]
    return [(exp, sha) for exp, sha in found if exp is not None and exp.baseline == baseline]


class UnknownExperimentError(LiveNbError, LookupError):
    """No experiment has the name given."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        """Name the experiments most like ``name``, if any."""
        self.name = name
        self.suggestions = suggestions
        hint = f" Did you mean {', '.join(map(repr, suggestions))}?" if suggestions else ""
        super().__init__(
            f"No experiment named {name!r}.{hint} List them with `live-nb exp list` or %exp_show."
        )


class AmbiguousExperimentError(LiveNbError, LookupError):
    """Several experiments (of other baselines than HEAD) have the name given."""

    def __init__(self, name: str, matches: list[ExpRef]) -> None:
        """List the baselines of the experiments called ``name``."""
        self.name = name
        self.matches = matches
        baselines = ", ".join(exp.baseline[:7] for exp in matches)
        super().__init__(
            f"{len(matches)} experiments are named {name!r} (baselines {baselines}). "
            "Name one by its full ref (refs/exps/...) or its commit sha."
        )


def resolve(repo: Repository, name: str) -> tuple[ExpRef, str]:
    """The experiment called ``name``: a name (HEAD's first), a full ref, or a sha prefix.

    ``NAME@STEP`` names the checkpoint of ``NAME``'s chain at that step (the newest, if a
    resumed run passed it twice); a checkpoint's sha prefix names it too.
    """
    experiments = dict(list_refs(repo))
    try:
        return resolve_among(experiments, name, repo.head)
    except UnknownExperimentError as unknown:
        found = _checkpoint(repo, experiments, name) or _dvc_task(repo, name)
        if found is None:
            raise unknown from None
        return found


def _dvc_task(repo: Repository, name: str) -> tuple[ExpRef, str] | None:
    """A failed or queued experiment of DVC's queue, by name or sha prefix, as DVC finds them."""
    from live_nb.experiments.dvc_queue import queue_tasks

    dvc_dir = repo.root / ".dvc"
    tasks = {
        ExpRef(task.baseline, task.name): task.commit
        for task in queue_tasks(repo.git_dir, dvc_dir if dvc_dir.is_dir() else None)
    }
    if not tasks:
        return None
    try:
        return resolve_among(tasks, name, repo.head)
    except UnknownExperimentError:
        return None


def checkpoint_row(repo: Repository, row_id: str) -> tuple[ExpRef, str] | None:
    """``REF@SHA`` (a checkpoint row's id, in the table and the sidebar): experiment and commit.

    None unless the full sha is a commit of that experiment's checkpoint chain.
    """
    ref, at, sha = row_id.rpartition("@")
    exp = ExpRef.parse(ref) if at else None
    if exp is None or len(sha) not in _OID_LENGTHS or not _HEX.fullmatch(sha):
        return None
    tip = repo.rev_parse(ref)
    found = _in_chain(repo, tip, sha) if tip is not None else None
    return (exp, sha) if found == sha else None


def _in_chain(repo: Repository, tip: str, prefix: str) -> str | None:
    """The commit of ``tip``'s checkpoint chain whose sha starts with ``prefix``, or None."""
    from live_nb.experiments.chain import read_chain

    found = (link.commit for link in read_chain(repo, tip) if link.commit.startswith(prefix))
    return next(found, None)


def _checkpoint(
    repo: Repository, experiments: Mapping[ExpRef, str], name: str
) -> tuple[ExpRef, str] | None:
    """``NAME@STEP``, or a sha prefix of a commit in an experiment's chain; None when neither."""
    from live_nb.experiments.chain import read_chain

    base, at, step = name.rpartition("@")
    if at and base and step.isdigit():
        exp, tip = resolve_among(experiments, base, repo.head)
        chain = read_chain(repo, tip)
        for link in chain:
            if link.step == int(step) and (link.checkpoint or link is chain[0]):
                return exp, link.commit
        steps = sorted({link.step for link in chain})
        raise UnknownCheckpointError(exp.name, int(step), steps)
    if len(name) >= 4 and _HEX.fullmatch(name):
        for exp, tip in experiments.items():
            found = _in_chain(repo, tip, name)
            if found is not None:
                return exp, found
    return None


class UnknownCheckpointError(UnknownExperimentError):
    """The experiment has no checkpoint at the step given."""

    def __init__(self, name: str, step: int, steps: list[int]) -> None:
        """Name the experiment and the steps it has checkpoints of."""
        self.name = name
        self.suggestions = [f"{name}@{s}" for s in sorted(steps, key=lambda s: abs(s - step))[:3]]
        listed = ", ".join(map(str, steps[:10])) + (" ..." if len(steps) > 10 else "")
        LiveNbError.__init__(
            self,
            f"Experiment {name!r} has no checkpoint at step {step}"
            + (f"; its checkpoints are at steps {listed}." if steps else "; it has no checkpoints.")
            + " List them with `live-nb exp show --checkpoints`.",
        )


def resolve_among(
    experiments: Mapping[ExpRef, str], name: str, head: str | Callable[[], str | None] | None = None
) -> tuple[ExpRef, str]:
    """The experiment called ``name`` among ``experiments`` (ref -> commit), as :func:`resolve`.

    ``head`` is HEAD's commit, or a function returning it, asked only when a name is taken by
    more than one baseline.
    """
    exact = [(exp, sha) for exp, sha in experiments.items() if name in (exp.name, exp.ref)]
    if len(exact) > 1:
        baseline = head() if callable(head) else head
        on_head = [(exp, sha) for exp, sha in exact if exp.baseline == baseline]
        if len(on_head) == 1:
            return on_head[0]
        raise AmbiguousExperimentError(name, [exp for exp, _ in exact])
    if exact:
        return exact[0]
    if len(name) >= 4 and _HEX.fullmatch(name):
        by_sha = [(exp, sha) for exp, sha in experiments.items() if sha.startswith(name)]
        if len(by_sha) == 1:
            return by_sha[0]
    raise UnknownExperimentError(name, closest(name, {exp.name for exp in experiments}))
