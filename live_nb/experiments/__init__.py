"""Experiments as Git commits under ``refs/exps/``, where and how DVC keeps them.

Everything here works on the repository containing the current directory (or
``path``) and never changes the user's HEAD, branches, index or working tree,
except ``apply``, which changes the working tree on request and never loses work.
"""

from live_nb.experiments.names import InvalidExperimentNameError
from live_nb.experiments.refs import (
    AmbiguousExperimentError,
    ExpRef,
    UnknownExperimentError,
)
from live_nb.experiments.save import (
    ExperimentExistsError,
    NoCommitsError,
    OperationInProgressError,
    OutsideRepositoryError,
    SavedExperiment,
    save,
)

__all__ = [
    "AmbiguousExperimentError",
    "ExpRef",
    "ExperimentExistsError",
    "InvalidExperimentNameError",
    "NoCommitsError",
    "OperationInProgressError",
    "OutsideRepositoryError",
    "SavedExperiment",
    "UnknownExperimentError",
    "save",
]
