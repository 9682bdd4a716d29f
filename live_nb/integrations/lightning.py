"""``DVCLiveLogger`` for PyTorch Lightning: ``Trainer(logger=DVCLiveLogger())``.

Metrics are logged at Lightning's global step and named as DVCLive names them
(``train_loss_epoch`` is ``train/epoch/loss``); the module's hyperparameters go to
``params.yaml``. With ``log_model``, the checkpoints of the ``ModelCheckpoint``
callback are tracked as an artifact, and the best one as the ``best`` model.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from live_nb import env
from live_nb.integrations._common import called_from
from live_nb.integrations.fabric import DVCLiveLogger as FabricDVCLiveLogger
from live_nb.live import Live

if TYPE_CHECKING:
    from lightning.pytorch.callbacks.model_checkpoint import ModelCheckpoint
    from lightning.pytorch.loggers.logger import Logger
    from lightning.pytorch.utilities import rank_zero_only
else:
    try:
        from lightning.pytorch.callbacks.model_checkpoint import ModelCheckpoint
        from lightning.pytorch.loggers.logger import Logger
        from lightning.pytorch.utilities import rank_zero_only
    except ImportError:  # the standalone package, without the `lightning` umbrella
        from pytorch_lightning.callbacks.model_checkpoint import ModelCheckpoint
        from pytorch_lightning.loggers.logger import Logger
        from pytorch_lightning.utilities import rank_zero_only

_SYNCING_CALLERS = frozenset(
    # Lightning's logger connector, when it logs a step's or an epoch's training metrics
    # or the end of an evaluation: the moments worth rewriting metrics.json and dvc.yaml.
    ("update_train_step_metrics", "update_train_epoch_metrics", "log_eval_end_metrics")
)


class DVCLiveLogger(Logger, FabricDVCLiveLogger):
    """Log a Lightning ``Trainer``'s metrics, hyperparameters and checkpoints with ``Live``.

    Args:
        run_name: the logger's ``version``, a folder of Lightning's checkpoint path.
        prefix: put before every metric name, joined with ``"/"``.
        log_model: ``True`` tracks the checkpoints folder when training ends (after every
            save too when ``save_top_k=-1``), ``"all"`` after every save; both log the best
            checkpoint as the ``best`` model artifact.
        experiment: the ``Live`` to log into (ended at the end, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(
        self,
        run_name: str | None = "dvclive_run",
        prefix: str = "",
        log_model: bool | Literal["all"] = False,
        experiment: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(run_name=run_name, prefix=prefix, experiment=experiment, **kwargs)
        self._log_model = log_model
        self._logged_model_time: dict[str, float] = {}
        self._checkpoint_callback: ModelCheckpoint | None = None
        self._all_checkpoint_paths: list[str] = []

    @rank_zero_only
    def log_metrics(
        self,
        metrics: Mapping[str, Any],
        step: int | None = None,
        sync: bool | None = False,
    ) -> None:
        """Log ``metrics`` at ``step``.

        The files are synced after a training step or epoch and at the end of an
        evaluation, not after every ``self.log`` of other callbacks.
        """
        if not sync and called_from(_SYNCING_CALLERS):
            sync = True
        super().log_metrics(metrics, step, sync)

    def after_save_checkpoint(self, checkpoint_callback: ModelCheckpoint) -> None:
        """Track the checkpoints just saved, as ``log_model`` asks."""
        if self._log_model in (True, "all"):
            self._checkpoint_callback = checkpoint_callback
            self._scan_checkpoints(checkpoint_callback)
        if self._log_model == "all" or (
            self._log_model is True and checkpoint_callback.save_top_k == -1
        ):
            self._save_checkpoints(checkpoint_callback)

    @rank_zero_only
    def finalize(self, status: str) -> None:
        """Track the checkpoints and the best model (with ``log_model``), then end the run."""
        checkpoint_callback = self._checkpoint_callback
        if checkpoint_callback is not None:
            self._scan_checkpoints(checkpoint_callback)
            self._save_checkpoints(checkpoint_callback)
            self.experiment.log_artifact(
                checkpoint_callback.best_model_path, name="best", type="model", copy=True
            )
        super().finalize(status)

    def _scan_checkpoints(self, checkpoint_callback: ModelCheckpoint) -> None:
        """Remember the checkpoint files that are new or changed since the last scan."""
        for mtime, path in _checkpoint_files(checkpoint_callback):
            if self._logged_model_time.get(path, -1.0) < mtime:
                self._logged_model_time[path] = mtime
                self._all_checkpoint_paths.append(path)

    def _save_checkpoints(self, checkpoint_callback: ModelCheckpoint) -> None:
        """Track the checkpoints folder, without the stale files of earlier runs."""
        folder = checkpoint_callback.dirpath
        if not folder:
            return
        if not self._resumed():
            kept = set(self._all_checkpoint_paths)
            for path in Path(folder).iterdir():
                if path.is_file() and str(path) not in kept:
                    path.unlink()
        self.experiment.log_artifact(folder)

    def _resumed(self) -> bool:
        """Whether this run continues an earlier one, whose checkpoints are then kept.

        ``Live`` does not tell whether it resumed, so for a ``Live`` made elsewhere (passed
        as ``experiment``, or the ``%%live`` cell's) nothing is deleted.
        """
        handle = self._handle
        if handle is None or not handle.made:
            return True
        return bool(self._kwargs.get("resume")) or env.env_flag(os.environ.get(env.DVCLIVE_RESUME))


def _checkpoint_files(checkpoint_callback: ModelCheckpoint) -> list[tuple[float, str]]:
    """The last, best and top-k checkpoint files that exist, oldest first, with their times."""
    paths = {
        checkpoint_callback.last_model_path,
        checkpoint_callback.best_model_path,
        *checkpoint_callback.best_k_models,
    }
    found = (path for path in paths if path and Path(path).is_file())
    return sorted((Path(path).stat().st_mtime, path) for path in found)
