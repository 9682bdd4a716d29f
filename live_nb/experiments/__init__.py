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
  remove), :mod:`.remote` (push, pull). Each result says what happened with ``describe()``.
"""

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
    "History",
    "InvalidBranchNameError",
    "InvalidExperimentNameError",
    "NoCommitsError",
    "OperationInProgressError",
    "OutsideRepositoryError",
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
    "pull",
    "push",
    "read_histories",
    "remove",
    "save",
    "show",
    "to_csv",
    "to_json",
]
