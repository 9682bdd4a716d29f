"""``DVCLiveCallback`` for XGBoost: ``xgboost.train(..., callbacks=[DVCLiveCallback()])``.

After every boosting round, the last value of each metric of each evaluation set is
logged as ``<set>/<metric>`` (``eval/rmse``), and the step ends.
"""

from __future__ import annotations

import warnings
from typing import Any

from xgboost.callback import TrainingCallback

from live_nb.integrations._common import LiveHandle
from live_nb.live import Live

EvalsLog = dict[str, dict[str, Any]]


class DVCLiveCallback(TrainingCallback):
    """Log XGBoost's evaluation metrics with ``Live``, one step per boosting round.

    Args:
        metric_data: deprecated, as in DVCLive: log only this evaluation set, with no
            ``<set>/`` prefix.
        live: the ``Live`` to log into (ended when training ends, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(
        self,
        metric_data: str | None = None,
        live: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        if metric_data is not None:
            warnings.warn(
                "`metric_data` is deprecated and will be removed; every evaluation set is "
                "logged under its own name without it.",
                DeprecationWarning,
                stacklevel=2,
            )
        self._metric_data = metric_data
        self._handle = LiveHandle.choose(live, kwargs, type(self).__name__)
        self.live = self._handle.live

    def after_iteration(self, model: Any, epoch: int, evals_log: EvalsLog) -> bool:
        """Log the round's metrics and end the step; never stops training."""
        if self._metric_data:
            evals_log = {"": evals_log[self._metric_data]}
        for data_name, metrics in evals_log.items():
            for metric, history in metrics.items():
                name = f"{data_name}/{metric}" if data_name else metric
                self.live.log_metric(name, history[-1])
        self.live.next_step()
        return False

    def after_training(self, model: Any) -> Any:
        """End the run (a ``%%live`` cell's run is left to the cell); returns ``model``."""
        self._handle.end()
        return model
