"""live_nb.integrations.huggingface, with the real Transformers Trainer and a tiny BERT.

The model is built from a config with random weights: nothing is downloaded.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pytest

from tests.test_integrations import (
    EndCounter,
    assert_same_results,
    cell_live,
    dvc_project,
    metric_names,
    run_in,
)

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")
pytest.importorskip("accelerate")  # the Trainer needs it

from live_nb.integrations.huggingface import DVCLiveCallback  # noqa: E402

VOLATILE = ("runtime", "per_second")  # times and speeds


class _Tokens(torch.utils.data.Dataset):  # type: ignore[misc]
    """Random sequences of 6 tokens with a random label each."""

    def __init__(self, size: int, seed: int) -> None:
        generator = torch.Generator().manual_seed(seed)
        self.ids = torch.randint(0, 16, (size, 6), generator=generator)
        self.labels = torch.randint(0, 2, (size,), generator=generator)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return {"input_ids": self.ids[index], "labels": self.labels[index]}


def _train(callback: Any, save: bool = False) -> Any:
    """Two epochs of 2 steps on a 1-layer BERT with 8 hidden units, evaluated every epoch."""
    transformers.set_seed(0)
    config = transformers.BertConfig(
        vocab_size=16,
        hidden_size=8,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=16,
        max_position_embeddings=8,
        num_labels=2,
    )
    args = transformers.TrainingArguments(
        output_dir="out",
        num_train_epochs=2,
        per_device_train_batch_size=4,
        per_device_eval_batch_size=4,
        logging_steps=1,
        eval_strategy="epoch",
        save_strategy="epoch" if save else "no",
        report_to="none",
        disable_tqdm=True,
        use_cpu=True,
        seed=0,
    )
    trainer = transformers.Trainer(
        model=transformers.BertForSequenceClassification(config),
        args=args,
        train_dataset=_Tokens(8, seed=1),
        eval_dataset=_Tokens(4, seed=2),
        callbacks=[callback],
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        trainer.train()
    return trainer


@pytest.mark.oracle
def test_trainer_writes_what_dvclive_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = pytest.importorskip("dvclive.huggingface")
    expected = run_in(
        tmp_path / "oracle", monkeypatch, lambda: _train(oracle.DVCLiveCallback(save_dvc_exp=False))
    )
    actual = run_in(
        tmp_path / "ours", monkeypatch, lambda: _train(DVCLiveCallback(save_dvc_exp=False))
    )
    assert_same_results(expected, actual, volatile=VOLATILE)
    assert {"loss", "eval/loss", "train/loss", "train/runtime"} <= set(metric_names(actual))


@pytest.mark.oracle
def test_log_model_writes_what_the_transformers_dvclive_callback_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dvc: str
) -> None:
    """DVCLive's own callback cannot save the model with Transformers 5 (it passes the
    Trainer a ``tokenizer``); Transformers' copy of it, which DVCLive points to, can."""
    dvclive = pytest.importorskip("dvclive")
    oracle = transformers.integrations.DVCLiveCallback

    def with_oracle() -> None:
        _train(oracle(live=dvclive.Live(save_dvc_exp=False), log_model=True))

    expected = run_in(dvc_project(tmp_path / "oracle", dvc), monkeypatch, with_oracle)
    actual = run_in(
        dvc_project(tmp_path / "ours", dvc),
        monkeypatch,
        lambda: _train(DVCLiveCallback(log_model=True, save_dvc_exp=False)),
    )
    assert_same_results(expected, actual, volatile=VOLATILE)


def test_log_model_saves_and_tracks_the_last_model(tmp_dir: Path) -> None:
    callback = DVCLiveCallback(log_model=True, save_dvc_exp=False)
    _train(callback)
    saved = tmp_dir / "dvclive" / "artifacts" / "last"
    assert (saved / "config.json").is_file()
    assert (saved / "model.safetensors").is_file()
    assert (tmp_dir / "dvclive" / "artifacts" / "last.dvc").is_file()
    dvcyaml = (tmp_dir / "dvc.yaml").read_text()
    assert "artifacts:\n  last:\n    path: dvclive/artifacts/last\n    type: model\n" in dvcyaml


def test_log_model_all_tracks_the_output_folder_at_every_save(tmp_dir: Path) -> None:
    _train(DVCLiveCallback(log_model="all", save_dvc_exp=False), save=True)
    assert (tmp_dir / "out" / "checkpoint-4").is_dir()
    assert (tmp_dir / "out.dvc").is_file()


def test_inside_a_cell_the_trainer_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        _train(DVCLiveCallback())
        assert ends.calls == 0
        assert live.snapshot().params["num_train_epochs"] == 2
    assert not (tmp_dir / "dvclive").exists()
    assert (tmp_dir / "cell/plots/metrics/eval/loss.tsv").is_file()
