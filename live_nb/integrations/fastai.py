"""``DVCLiveCallback`` for fastai: ``learn.fit(..., cbs=[DVCLiveCallback()])``.

The model, batch size and freezing go to ``params.yaml`` when fitting starts; at the end
of every epoch the recorder's values are logged (``train_loss`` as ``train/loss``,
``valid_loss`` as ``eval/loss``) and the step ends. ``learn.fine_tune`` is one run: the
frozen stage does not end it. A model saved by ``SaveModelCallback`` is tracked.
"""

from __future__ import annotations

from typing import Any

from fastai.callback.core import Callback

from live_nb.integrations._common import LiveHandle, called_from, split_prefixes
from live_nb.live import Live

_SPLITS = {"train_": "train/", "valid_": "eval/"}


class DVCLiveCallback(Callback):
    """Log a fastai ``Learner``'s parameters, metrics and saved model with ``Live``.

    Args:
        with_opt: accepted for DVCLive's signature (DVCLive 3 does not use it either).
        live: the ``Live`` to log into (ended when fitting ends, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(
        self,
        with_opt: bool = False,
        live: Live | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self.with_opt = with_opt
        self._handle = LiveHandle.choose(live, kwargs, type(self).__name__)
        self.live = self._handle.live
        self.freeze_stage_ended = False

    def before_fit(self) -> None:
        """Write the learner's parameters to ``params.yaml``."""
        if self._helper_fit():
            return
        optimizer = self.opt
        frozen_idx = getattr(optimizer, "frozen_idx", -1)
        self.live.log_params(
            {
                "model": type(self.learn.model).__qualname__,
                "batch_size": getattr(self.dls, "bs", None),
                "batch_per_epoch": len(getattr(self.dls, "train", [])),
                "frozen": bool(frozen_idx),
                "frozen_idx": frozen_idx,
                "transforms": f"{getattr(self.dls, 'tfms', None)}",
            }
        )

    def after_epoch(self) -> None:
        """Log the recorder's values for the epoch and end the step."""
        if self._helper_fit():
            return
        recorder = self.learn.recorder
        logged = False
        for key, value in zip(recorder.metric_names, recorder.log):
            if key != "epoch":
                self.live.log_metric(split_prefixes(key, _SPLITS), float(value))
                logged = True
        if logged:  # a learner resumed at `start_epoch` skips epochs with nothing recorded
            self.live.next_step()

    def after_fit(self) -> None:
        """Track the saved model and end the run, unless a ``fine_tune`` goes on."""
        if self._helper_fit():
            return
        if not self.freeze_stage_ended and _inside_fine_tune():
            self.freeze_stage_ended = True  # the frozen stage of fine_tune: more follows
            return
        saver = getattr(self, "save_model", None)
        if saver is not None and saver.last_saved_path:
            self.live.log_artifact(str(saver.last_saved_path))
        self._handle.end()

    def _helper_fit(self) -> bool:
        """Whether this fit is fastai's own (``lr_find``, ``get_preds``), not training."""
        return hasattr(self, "lr_finder") or hasattr(self, "gather_preds")


def _inside_fine_tune() -> bool:
    """Whether ``learn.fine_tune`` is running its ``fit_one_cycle`` stages."""
    return called_from({"fine_tune"}) and called_from({"fit_one_cycle"})
