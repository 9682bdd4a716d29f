"""``DVCLiveLogger`` for Lightning Fabric: ``Fabric(loggers=DVCLiveLogger())``.

``fabric.log_dict(metrics, step)`` becomes one row per metric at ``step`` (with no
step, the next one), named as DVCLive names them: ``train_loss`` is ``train/loss``,
``val_acc_epoch`` is ``val/epoch/acc``. ``fabric.logger.log_hyperparams`` writes
``params.yaml``.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from torch import is_tensor

from live_nb.integrations._common import LiveHandle
from live_nb.live import Live

if TYPE_CHECKING:
    from lightning.fabric.loggers.logger import Logger, rank_zero_experiment
    from lightning.fabric.utilities.rank_zero import rank_zero_only
else:
    try:
        from lightning.fabric.loggers.logger import Logger, rank_zero_experiment
        from lightning.fabric.utilities.rank_zero import rank_zero_only
    except ImportError:  # the standalone package, without the `lightning` umbrella
        from lightning_fabric.loggers.logger import Logger, rank_zero_experiment
        from lightning_fabric.utilities.rank_zero import rank_zero_only

_SPLITS = ("train", "val", "test")
_FREQUENCIES = ("step", "epoch")


class DVCLiveLogger(Logger):
    """Log Lightning's metrics and hyperparameters with :class:`live_nb.Live`.

    Args:
        run_name: the logger's ``version``; ``""`` when None.
        prefix: put before every metric name, joined with ``"/"``.
        experiment: the ``Live`` to log into (ended at the end, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    LOGGER_JOIN_CHAR = "/"

    def __init__(
        self,
        run_name: str | None = None,
        prefix: str = "",
        experiment: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._version = run_name
        self._prefix = prefix
        self._handle = None if experiment is None else LiveHandle(experiment, ends=True)
        self._kwargs = kwargs

    @property
    def name(self) -> str:
        """The logger's name, which Lightning puts in checkpoint paths."""
        return "DvcLiveLogger"

    @property
    def version(self) -> int | str:
        """``run_name``, which Lightning puts in checkpoint paths."""
        if self._version is None:
            self._version = ""
        return self._version

    @property
    @rank_zero_experiment
    def experiment(self) -> Live:
        """The ``Live`` logged into, chosen (or made) when first needed, on rank 0 only."""
        if self._handle is None:
            self._handle = LiveHandle.choose(None, self._kwargs, type(self).__name__)
        return self._handle.live

    @rank_zero_only
    def log_metrics(
        self,
        metrics: Mapping[str, Any],
        step: int | None = None,
        sync: bool | None = True,
    ) -> None:
        """Log ``metrics`` at ``step`` (else at the step after the last one); sync the files."""
        live = self.experiment
        live.step = step if step else live.step + 1
        for key, value in metrics.items():
            full_name = f"{self._prefix}{self.LOGGER_JOIN_CHAR}{key}" if self._prefix else key
            scalar = value.detach().cpu().item() if is_tensor(value) else value
            live.log_metric(metric_name(full_name), scalar)
        if sync:
            live.sync()

    @rank_zero_only
    def log_hyperparams(
        self, params: dict[str, Any] | Namespace, *args: Any, **kwargs: Any
    ) -> None:
        """Write ``params`` to ``params.yaml``, as DVCLive does.

        Classes and callables become their names (or a callable's result), arrays of two
        or more dimensions and ``Namespace`` values their text.
        """
        plain = vars(params) if isinstance(params, Namespace) else dict(params or {})
        self.experiment.log_params({key: _param_value(value) for key, value in plain.items()})

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """End the run when training ends (a ``%%live`` cell's run is left to the cell)."""
        if self._handle is not None:
            self._handle.end()

    def __getstate__(self) -> dict[str, Any]:
        """Pickled for other processes without the ``Live``, which stays on rank 0."""
        state = self.__dict__.copy()
        state["_handle"] = None
        return state


def metric_name(name: str) -> str:
    """DVCLive's name for a Lightning metric: ``train_loss_step`` is ``train/step/loss``.

    A leading part ending in train, val or test is the split; after a split, a last
    part ``step`` or ``epoch`` is the frequency; the rest keeps its underscores.
    """
    parts = name.split("_")
    split = frequency = None
    if parts[0].endswith(_SPLITS):
        split = parts.pop(0)
        if parts and parts[-1] in _FREQUENCIES:
            frequency = parts.pop()
    rest = "_".join(parts)
    return "/".join(part for part in (split, frequency, rest) if part)


def _param_value(value: Any) -> Any:
    """A hyperparameter as DVCLive stores it.

    A class or function by its name, an array of two or more dimensions or a
    ``Namespace`` as text.
    """
    if isinstance(value, type):
        return value.__name__
    if callable(value):
        value = _called_or_named(value)
    if getattr(value, "ndim", 0) > 1 or isinstance(value, Namespace):
        return str(value)
    return value


def _called_or_named(function: Any) -> Any:
    """What Lightning logs for a callable hyperparameter: its result, else its name."""
    try:
        result = function()
    except Exception:
        return getattr(function, "__name__", None)
    return function.__name__ if callable(result) else result
