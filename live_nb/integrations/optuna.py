"""``DVCLiveCallback`` for Optuna: ``study.optimize(objective, callbacks=[DVCLiveCallback()])``.

As DVCLive's, every finished trial is a run of its own in ``dvclive-optuna/`` (or
``dir``): its parameters in ``params.yaml`` and its objective values in
``metrics.json``, saved as an experiment. Inside a ``%%live`` cell the trials are the
steps of the cell's run instead: each trial's values and parameters are logged as
metrics (``metric``, ``params/x``...), so the dashboard charts the search.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from live_nb.live import Live, active_live

_DEFAULT_DIR = "dvclive-optuna"


class DVCLiveCallback:
    """Log each Optuna trial with ``Live``.

    Args:
        metric_name: the name of the objective value, or one name per objective of a
            multi-objective study (a single name becomes ``name_0``, ``name_1``...).
        **kwargs: ``Live``'s arguments (``dir`` defaults to ``"dvclive-optuna"``);
            ``save_dvc_exp`` is ignored, as in DVCLive: every trial is saved.
    """

    def __init__(self, metric_name: str | Sequence[str] = "metric", **kwargs: Any) -> None:
        kwargs.setdefault("dir", _DEFAULT_DIR)
        kwargs.pop("save_dvc_exp", None)
        self.metric_name = metric_name
        self.live_kwargs = kwargs

    def __call__(self, study: Any, trial: Any) -> None:
        """Log ``trial`` (Optuna's ``FrozenTrial``) once it has finished."""
        cell_live = active_live()
        if cell_live is not None:
            self._log_step(cell_live, trial)
            return
        with Live(**self.live_kwargs) as live:
            live.summary.update(self._objective_values(trial.values))
            live.log_params(trial.params)

    def _log_step(self, live: Live, trial: Any) -> None:
        """Inside ``%%live``: the trial's values and parameters as one step of the cell's run."""
        for name, value in self._objective_values(trial.values).items():
            live.log_metric(name, value)
        for name, value in trial.params.items():
            live.log_metric(f"params/{name}", value)
        live.next_step()

    def _objective_values(self, values: Sequence[float] | None) -> dict[str, float]:
        """The trial's objective values by name (none for a pruned or failed trial)."""
        if values is None:
            return {}
        if isinstance(self.metric_name, str):
            if len(values) == 1:
                names = [self.metric_name]
            else:
                names = [f"{self.metric_name}_{index}" for index in range(len(values))]
        elif len(self.metric_name) == len(values):
            names = list(self.metric_name)
        else:
            raise ValueError(
                f"The study has {len(values)} objective values but {len(self.metric_name)} "
                "metric names were given: give one name per objective, or a single name "
                "to number them."
            )
        return dict(zip(names, values))
