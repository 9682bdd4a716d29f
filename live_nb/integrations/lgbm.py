"""``DVCLiveCallback`` for LightGBM: ``lightgbm.train(..., callbacks=[DVCLiveCallback()])``.

After every boosting round, each evaluation result is logged (as ``<set>/<metric>``
when there are several, else as ``<metric>``) and the step ends.
"""

from __future__ import annotations

from typing import Any

from live_nb.integrations._common import LiveHandle
from live_nb.live import Live


class DVCLiveCallback:
    """Log LightGBM's evaluation results with ``Live``, one step per boosting round.

    As DVCLive's, it does not end the run: call ``callback.live.end()`` (or pass
    ``live=`` from a ``with Live() as live:`` block) to save an experiment. The results
    files are complete when training returns.

    Args:
        live: the ``Live`` to log into. Without it, the ``live`` of the running
            ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(self, live: Live | None = None, **kwargs: Any) -> None:
        super().__init__()
        self.live = LiveHandle.choose(live, kwargs, type(self).__name__).live

    def __call__(self, env: Any) -> None:
        """Log the round's evaluation results (``env`` is LightGBM's ``CallbackEnv``)."""
        results = env.evaluation_result_list or []
        several = len(results) > 1
        for result in results:
            data_name, eval_name, value = result[:3]
            self.live.log_metric(f"{data_name}/{eval_name}" if several else eval_name, value)
        if env.iteration + 1 >= env.end_iteration:
            # The last round: the results files now, as next_step writes them a few times
            # a second at most, and nothing ends this run.
            self.live.sync()
        self.live.next_step()
