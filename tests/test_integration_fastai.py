"""live_nb.integrations.fastai, with the real fastai on tiny synthetic data.

fastai's vision modules need torchvision, but its learner does not: these tests run with
fastai installed without its dependencies (see pyproject.toml's ``integrations`` extra).
"""

from __future__ import annotations

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
pytest.importorskip("fastai")
# fastai.callback.schedule adds fit_one_cycle and fine_tune to Learner
import fastai.callback.schedule  # noqa: E402, F401
from fastai.callback.tracker import SaveModelCallback  # noqa: E402
from fastai.data.core import DataLoaders  # noqa: E402
from fastai.learner import Learner  # noqa: E402
from fastai.metrics import mae  # noqa: E402
from fastai.torch_core import set_seed  # noqa: E402

from live_nb.integrations.fastai import DVCLiveCallback  # noqa: E402

VOLATILE = ("time",)


def _learner() -> Any:
    """A linear layer on 8 random points in batches of 4, validated on 4, with MAE."""
    set_seed(0)
    generator = torch.Generator().manual_seed(0)
    x, y = torch.randn(12, 3, generator=generator), torch.randn(12, 1, generator=generator)
    points = list(zip(x, y))
    dls = DataLoaders.from_dsets(points[:8], points[8:], bs=4, device="cpu")
    return Learner(dls, torch.nn.Sequential(torch.nn.Linear(3, 1)), torch.nn.MSELoss(), metrics=mae)


def _fit(callback: Any) -> None:
    learner = _learner()
    with learner.no_bar(), learner.no_logging():
        learner.fit(2, cbs=[callback])


def _fine_tune_and_save(callback: Any) -> None:
    learner = _learner()
    with learner.no_bar(), learner.no_logging():
        learner.fine_tune(1, freeze_epochs=1, cbs=[SaveModelCallback(), callback])


@pytest.mark.oracle
def test_fit_writes_what_dvclive_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = pytest.importorskip("dvclive.fastai")
    expected = run_in(
        tmp_path / "oracle", monkeypatch, lambda: _fit(oracle.DVCLiveCallback(save_dvc_exp=False))
    )
    actual = run_in(
        tmp_path / "ours", monkeypatch, lambda: _fit(DVCLiveCallback(save_dvc_exp=False))
    )
    assert_same_results(expected, actual, volatile=VOLATILE)
    assert metric_names(actual) == ["eval/loss", "mae", "train/loss"]


@pytest.mark.oracle
def test_fine_tune_is_one_run_and_tracks_the_saved_model_as_dvclive_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dvc: str
) -> None:
    oracle = pytest.importorskip("dvclive.fastai")

    def fine_tune_with(callback_class: Any) -> Any:
        return lambda: _fine_tune_and_save(callback_class(save_dvc_exp=False))

    expected = run_in(
        dvc_project(tmp_path / "oracle", dvc), monkeypatch, fine_tune_with(oracle.DVCLiveCallback)
    )
    actual = run_in(
        dvc_project(tmp_path / "ours", dvc), monkeypatch, fine_tune_with(DVCLiveCallback)
    )
    assert_same_results(expected, actual, volatile=VOLATILE)
    assert (actual / "models" / "model.pth.dvc").is_file()


def test_fine_tune_ends_the_run_once(tmp_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    callback = DVCLiveCallback(save_dvc_exp=False)
    ends = EndCounter(callback.live, monkeypatch)
    learner = _learner()
    with learner.no_bar(), learner.no_logging():
        learner.fine_tune(1, freeze_epochs=1, cbs=[callback])
    assert ends.calls == 1
    assert callback.live.read_latest()["step"] == 1


def test_inside_a_cell_fit_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        _fit(DVCLiveCallback())
        assert ends.calls == 0
        assert live.snapshot().params["batch_size"] == 4
    assert not (tmp_dir / "dvclive").exists()
    assert (tmp_dir / "cell/plots/metrics/eval/loss.tsv").is_file()
