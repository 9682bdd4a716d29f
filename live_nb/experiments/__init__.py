"""Experiments as Git commits under ``refs/exps/``, where and how DVC keeps them.

Everything here works on the repository containing the current directory (or
``path``) and never changes the user's HEAD, branches, index or working tree,
except ``apply``, which changes the working tree on request and never loses work.

One module per job:

- where experiments are: :mod:`.refs` (refs, names to experiments, HEAD), :mod:`.names`
  (experiment names, names in messages), :mod:`.baselines` (branch and tag names of commits);
- reading them: :mod:`.read` (:class:`~.read.ExperimentReader`) on :mod:`.spec` (what a
  ``dvc.yaml`` lists), :mod:`.values` (files parsed as DVC parses them), :mod:`.trees`
  (Git trees in batches) and :mod:`.cache` (the on-disk commit cache); :mod:`.history`
  (metric histories, for charts);
- comparing them: :mod:`.show`, :mod:`.diff`, rendered by :mod:`.as_text`, :mod:`.as_csv`
  and :mod:`.as_json` through :mod:`.cells`; :mod:`.options` (the options of ``show`` on a
  command line);
- changing them: :mod:`.save`, :mod:`.restore` (apply), :mod:`.manage` (list, branch,
  remove), :mod:`.remote` (push, pull), :mod:`.pruning` (checkpoint chains shortened, with
  :mod:`.unreferenced`: the DVC cache objects only their dropped commits named). Each result
  says what happened with ``describe()``.
"""

from __future__ import annotations

import importlib
import sys
import types

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

    from live_nb.experiments.as_csv import to_csv
    from live_nb.experiments.as_json import to_json
    from live_nb.experiments.as_text import format_diff, format_table
    from live_nb.experiments.diff import ExperimentDiff, diff
    from live_nb.experiments.history import History, Series, read_histories
    from live_nb.experiments.manage import (
        BranchExistsError,
        BranchResult,
        ExperimentInfo,
        InvalidBranchNameError,
        RemoveResult,
        branch,
        list_experiments,
        remove,
    )
    from live_nb.experiments.names import InvalidExperimentNameError
    from live_nb.experiments.pruning import ExperimentRunningError, PruneResult, prune
    from live_nb.experiments.refs import (
        AmbiguousExperimentError,
        ExpRef,
        NoCommitsError,
        UnknownExperimentError,
    )
    from live_nb.experiments.remote import (
        DivergedExperimentsError,
        RemoteNotFoundError,
        TransferResult,
        pull,
        push,
    )
    from live_nb.experiments.restore import (
        ApplyBlockedError,
        ApplyResult,
        UncommittedChangesError,
        apply,
    )
    from live_nb.experiments.save import (
        ExperimentExistsError,
        OperationInProgressError,
        OutsideRepositoryError,
        SavedExperiment,
        save,
    )
    from live_nb.experiments.show import UnknownColumnError, show

# Every other public name and the module that defines it, imported when first used: apply,
# push or history cost nothing to a command that does not use them.
_MODULES = {
    "diff": "diff",
    "save": "save",
    "show": "show",
    "to_csv": "as_csv",
    "to_json": "as_json",
    "format_diff": "as_text",
    "format_table": "as_text",
    "ExperimentDiff": "diff",
    "History": "history",
    "Series": "history",
    "read_histories": "history",
    "BranchExistsError": "manage",
    "BranchResult": "manage",
    "ExperimentInfo": "manage",
    "InvalidBranchNameError": "manage",
    "RemoveResult": "manage",
    "branch": "manage",
    "list_experiments": "manage",
    "remove": "manage",
    "InvalidExperimentNameError": "names",
    "ExperimentRunningError": "pruning",
    "PruneResult": "pruning",
    "prune": "pruning",
    "AmbiguousExperimentError": "refs",
    "ExpRef": "refs",
    "NoCommitsError": "refs",
    "UnknownExperimentError": "refs",
    "DivergedExperimentsError": "remote",
    "RemoteNotFoundError": "remote",
    "TransferResult": "remote",
    "pull": "remote",
    "push": "remote",
    "ApplyBlockedError": "restore",
    "ApplyResult": "restore",
    "UncommittedChangesError": "restore",
    "apply": "restore",
    "ExperimentExistsError": "save",
    "OperationInProgressError": "save",
    "OutsideRepositoryError": "save",
    "SavedExperiment": "save",
    "UnknownColumnError": "show",
}

__all__ = [
    "AmbiguousExperimentError",
    "ApplyBlockedError",
    "ApplyResult",
    "BranchExistsError",
    "BranchResult",
    "DivergedExperimentsError",
    "ExpRef",
    "ExperimentDiff",
    "ExperimentExistsError",
    "ExperimentInfo",
    "ExperimentRunningError",
    "History",
    "InvalidBranchNameError",
    "InvalidExperimentNameError",
    "NoCommitsError",
    "OperationInProgressError",
    "OutsideRepositoryError",
    "PruneResult",
    "RemoteNotFoundError",
    "RemoveResult",
    "SavedExperiment",
    "Series",
    "TransferResult",
    "UncommittedChangesError",
    "UnknownColumnError",
    "UnknownExperimentError",
    "apply",
    "branch",
    "diff",
    "format_diff",
    "format_table",
    "list_experiments",
    "prune",
    "pull",
    "push",
    "read_histories",
    "remove",
    "save",
    "show",
    "to_csv",
    "to_json",
]


# ``diff``, ``save`` and ``show`` are also module names. Importing such a module binds it
# here under its name, which would hide the function: the package ignores that binding (the
# module stays in ``sys.modules``), so they are loaded lazily too and ``live-nb status``
# never pays for them.
_FUNCTIONS = frozenset({"diff", "save", "show"})


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str) -> Any:
    """The public name ``name``, from its module (imported now if it was not yet)."""
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, with the module's own attributes."""
    return sorted({*globals(), *__all__})
