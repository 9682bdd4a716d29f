"""``DVCLiveCallback`` for Keras: ``model.fit(..., callbacks=[DVCLiveCallback()])``.

Works with Keras 3 on any backend (no TensorFlow needed) and with Keras 2. At the end of
every epoch the epoch's logs are logged, ``val_loss`` as ``eval/loss`` and ``loss`` as
``train/loss``, and the step ends.
"""

from __future__ import annotations

from typing import Any

import keras

from live_nb.integrations._common import LiveHandle
from live_nb.live import Live


class DVCLiveCallback(keras.callbacks.Callback):
    """Log a Keras model's metrics with ``Live``, one step per epoch.

    Args:
        save_weights_only: accepted for DVCLive's signature; like DVCLive 3, this callback
            saves no model (use ``keras.callbacks.ModelCheckpoint`` and ``live.log_artifact``).
        live: the ``Live`` to log into (ended when training ends, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(
        self,
        save_weights_only: bool = False,
        live: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.save_weights_only = save_weights_only
        self._handle = LiveHandle.choose(live, kwargs, type(self).__name__)
        self.live = self._handle.live

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        """Log the epoch's metrics and end the step."""
        for key, value in (logs or {}).items():
            self.live.log_metric(metric_name(key), value)
        self.live.next_step()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        """End the run (a ``%%live`` cell's run is left to the cell)."""
        self._handle.end()


def metric_name(name: str) -> str:
    """DVCLive's name for a Keras metric: ``val_loss`` is ``eval/loss``, ``loss`` ``train/loss``."""
    return name.replace("val_", "eval/") if "val_" in name else f"train/{name}"
