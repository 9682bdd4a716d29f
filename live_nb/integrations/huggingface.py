"""``DVCLiveCallback`` for Hugging Face Transformers: ``Trainer(callbacks=[DVCLiveCallback()])``.

The ``TrainingArguments`` go to ``params.yaml`` when training begins; every time the
Trainer logs, its values are logged (``eval_loss`` as ``eval/loss``, ``train_runtime``
as ``train/runtime``) and the step ends. ``log_model`` tracks the saved models.
"""

from __future__ import annotations

import inspect
import os
import warnings
from typing import Any, Literal

from transformers import TrainerCallback, TrainerControl, TrainerState, TrainingArguments
from transformers.trainer import Trainer

from live_nb.error import LiveNbWarning
from live_nb.integrations._common import LiveHandle, split_prefixes
from live_nb.live import Live

_SPLITS = {"train_": "train/", "eval_": "eval/"}


class DVCLiveCallback(TrainerCallback):
    """Log a Transformers ``Trainer``'s arguments, logs and models with ``Live``.

    Args:
        live: the ``Live`` to log into (ended when training ends, as in DVCLive). Without
            it, the ``live`` of the running ``%%live`` cell, else ``Live(**kwargs)``.
        log_model: ``True`` saves the final model (the best one with
            ``load_best_model_at_end``) to ``output_dir/last`` (``/best``) and logs it as a
            model artifact; ``"all"`` tracks ``output_dir`` at every checkpoint.
        **kwargs: ``Live``'s arguments: ``dir``, ``report``, ``save_dvc_exp``...
    """

    def __init__(
        self,
        live: Live | None = None,
        log_model: bool | Literal["all"] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__()
        self._log_model = log_model
        self._handle = LiveHandle.choose(live, kwargs, type(self).__name__)
        self.live = self._handle.live

    def on_train_begin(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        """Write the training arguments to ``params.yaml``."""
        self.live.log_params(args.to_dict())

    def on_log(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        """Log the Trainer's values, then end the step."""
        for key, value in kwargs["logs"].items():
            if _is_scalar(value):
                self.live.log_metric(split_prefixes(key, _SPLITS), value)
            else:
                warnings.warn(
                    f"live_nb: the Trainer logged {key!r} = {value!r}, which is not a "
                    "number or a string, so it was left out.",
                    LiveNbWarning,
                    stacklevel=2,
                )
        self.live.next_step()

    def on_save(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        """With ``log_model="all"``, track ``output_dir`` with its new checkpoint."""
        if self._log_model == "all" and state.is_world_process_zero:
            self.live.log_artifact(_output_dir(args))

    def on_train_end(
        self,
        args: TrainingArguments,
        state: TrainerState,
        control: TrainerControl,
        **kwargs: Any,
    ) -> None:
        """With ``log_model=True``, save and log the model; then end the run."""
        if self._log_model is True and state.is_world_process_zero:
            name = "best" if args.load_best_model_at_end else "last"
            folder = os.path.join(_output_dir(args), name)
            _save_model(args, kwargs, folder)
            self.live.log_artifact(folder, name=name, type="model", copy=True)
        self._handle.end()


def _is_scalar(value: object) -> bool:
    """What ``Live.log_metric`` stores: a number, a string, or a 0-d array or tensor."""
    if isinstance(value, (int, float, str)):
        return True
    return getattr(value, "ndim", None) == 0 and callable(getattr(value, "item", None))


def _output_dir(args: TrainingArguments) -> str:
    if args.output_dir is None:
        raise ValueError("log_model needs TrainingArguments(output_dir=...) to save models")
    return str(args.output_dir)


def _save_model(args: TrainingArguments, objects: dict[str, Any], folder: str) -> None:
    """Save the model (and its tokenizer or processor) as ``Trainer.save_model`` does."""
    processor = objects.get("processing_class", objects.get("tokenizer"))
    # Transformers 5 names the tokenizer `processing_class`; 4.x (before 4.46) `tokenizer`.
    parameter = (
        "processing_class"
        if "processing_class" in inspect.signature(Trainer.__init__).parameters
        else "tokenizer"
    )
    processor_argument: dict[str, Any] = {parameter: processor}
    saver = Trainer(
        args=args, model=objects.get("model"), eval_dataset=["fake"], **processor_argument
    )
    saver.save_model(folder)
