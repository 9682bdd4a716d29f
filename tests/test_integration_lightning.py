"""live_nb.integrations.lightning and .fabric, with the real Lightning on tiny synthetic data."""

from __future__ import annotations

import warnings
from collections.abc import Callable
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
L = pytest.importorskip("lightning")

from live_nb.integrations import fabric, lightning  # noqa: E402


class TinyRegression(L.LightningModule):
    """A linear layer fitted to 8 random points: 2 steps an epoch, a validation each epoch."""

    def __init__(self, lr: float = 0.1, layers: int = 1) -> None:
        super().__init__()
        self.save_hyperparameters()
        self.layer = torch.nn.Linear(3, 1)

    def training_step(self, batch: Any, batch_idx: int) -> Any:
        loss = self._loss(batch)
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch: Any, batch_idx: int) -> None:
        self.log("val_loss", self._loss(batch))

    def _loss(self, batch: Any) -> Any:
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def configure_optimizers(self) -> Any:
        return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)


def _loader() -> Any:
    generator = torch.Generator().manual_seed(0)
    data = torch.utils.data.TensorDataset(
        torch.randn(8, 3, generator=generator), torch.randn(8, 1, generator=generator)
    )
    return torch.utils.data.DataLoader(data, batch_size=4)


def _fit(logger: Any, checkpoints: bool = False) -> None:
    torch.manual_seed(0)
    trainer = L.Trainer(
        max_epochs=2,
        logger=logger,
        enable_checkpointing=checkpoints,
        enable_progress_bar=False,
        enable_model_summary=False,
        log_every_n_steps=1,
        accelerator="cpu",
        devices=1,
    )
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", ".*does not have many workers.*")
        trainer.fit(TinyRegression(), _loader(), _loader())


@pytest.mark.oracle
def test_trainer_writes_what_dvclive_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = pytest.importorskip("dvclive.lightning")
    expected = run_in(
        tmp_path / "oracle", monkeypatch, lambda: _fit(oracle.DVCLiveLogger(save_dvc_exp=False))
    )
    actual = run_in(
        tmp_path / "ours", monkeypatch, lambda: _fit(lightning.DVCLiveLogger(save_dvc_exp=False))
    )
    assert_same_results(expected, actual)
    assert metric_names(actual) == ["epoch", "train/epoch/loss", "train/step/loss", "val/loss"]


@pytest.mark.oracle
def test_log_model_tracks_the_checkpoints_as_dvclive_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dvc: str
) -> None:
    oracle = pytest.importorskip("dvclive.lightning")

    def fit_with(logger_class: Any) -> Callable[[], None]:
        return lambda: _fit(logger_class(log_model=True, save_dvc_exp=False), checkpoints=True)

    expected = run_in(
        dvc_project(tmp_path / "oracle", dvc), monkeypatch, fit_with(oracle.DVCLiveLogger)
    )
    actual = run_in(
        dvc_project(tmp_path / "ours", dvc), monkeypatch, fit_with(lightning.DVCLiveLogger)
    )
    assert_same_results(expected, actual)
    assert (actual / "dvclive" / "artifacts" / "epoch=1-step=4.ckpt").is_file()


def test_inside_a_cell_the_trainer_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        _fit(lightning.DVCLiveLogger())
        assert ends.calls == 0
        assert live.summary["val"]["loss"] > 0
    assert not (tmp_dir / "dvclive").exists()
    assert (tmp_dir / "cell" / "plots" / "metrics" / "train" / "step" / "loss.tsv").is_file()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("train_loss", "train/loss"),
        ("train_loss_step", "train/step/loss"),
        ("val_acc_epoch", "val/epoch/acc"),
        ("mytest_top_k", "mytest/top_k"),
        ("loss_epoch", "loss_epoch"),
        ("epoch", "epoch"),
    ],
)
def test_metric_names_follow_dvclive(name: str, expected: str) -> None:
    assert fabric.metric_name(name) == expected


def test_fabric_logs_steps_and_hyperparameters(tmp_dir: Path) -> None:
    logger = fabric.DVCLiveLogger(prefix="fit", save_dvc_exp=False)
    logger.log_hyperparams({"lr": 0.1, "activation": torch.nn.ReLU, "matrix": torch.ones(2, 2)})
    logger.log_metrics({"train_loss": torch.tensor(0.5)}, step=3)
    logger.log_metrics({"train_loss": 0.25})
    logger.finalize("success")
    live = logger.experiment
    assert live.read_latest() == {"fit": {"train": {"loss": 0.25}}, "step": 4}
    rows = (tmp_dir / "dvclive/plots/metrics/fit/train/loss.tsv").read_text().splitlines()
    assert [row.split("\t")[0] for row in rows] == ["step", "3", "4"]
    assert live.snapshot().params == {
        "lr": 0.1,
        "activation": "ReLU",
        "matrix": "tensor([[1., 1.],\n        [1., 1.]])",
    }
