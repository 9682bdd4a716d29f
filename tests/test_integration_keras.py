"""live_nb.integrations.keras, with the real Keras 3 on its torch backend (no TensorFlow)."""

from __future__ import annotations

import importlib
import os
import sys
import types
from pathlib import Path
from typing import Any

import pytest

from tests.test_integrations import (
    EndCounter,
    assert_same_results,
    cell_live,
    metric_names,
    run_in,
)

os.environ.setdefault("KERAS_BACKEND", "torch")
pytest.importorskip("torch")
keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from live_nb.integrations.keras import DVCLiveCallback, metric_name  # noqa: E402


def _fit(callback: Any) -> None:
    """Two epochs of a one-layer regression on 8 random points, validated on 4."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 1))
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    model.fit(
        x[:8],
        y[:8],
        validation_data=(x[8:], y[8:]),
        epochs=2,
        batch_size=4,
        verbose=0,
        callbacks=[callback],
    )


def _dvclive_keras(monkeypatch: pytest.MonkeyPatch) -> Any:
    """DVCLive's Keras callback, which imports ``tensorflow`` only to reach ``tf.keras``."""
    pytest.importorskip("dvclive")
    if "tensorflow" in sys.modules:
        return importlib.import_module("dvclive.keras")
    shim = types.ModuleType("tensorflow")
    shim.keras = keras  # type: ignore[attr-defined]
    with monkeypatch.context() as patch:  # only while it is imported: Keras looks for TF too
        patch.setitem(sys.modules, "tensorflow", shim)
        patch.delitem(sys.modules, "dvclive.keras", raising=False)
        return importlib.import_module("dvclive.keras")


@pytest.mark.oracle
def test_fit_writes_what_dvclive_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = _dvclive_keras(monkeypatch)
    expected = run_in(
        tmp_path / "oracle",
        monkeypatch,
        lambda: _fit(oracle.DVCLiveCallback(save_dvc_exp=False)),
    )
    actual = run_in(
        tmp_path / "ours", monkeypatch, lambda: _fit(DVCLiveCallback(save_dvc_exp=False))
    )
    assert_same_results(expected, actual)
    assert metric_names(actual) == ["eval/loss", "eval/mae", "train/loss", "train/mae"]


def test_fit_logs_a_step_per_epoch_and_ends(tmp_dir: Path) -> None:
    callback = DVCLiveCallback(save_dvc_exp=False)
    _fit(callback)
    rows = (tmp_dir / "dvclive/plots/metrics/train/loss.tsv").read_text().splitlines()
    assert [row.split("\t")[0] for row in rows] == ["step", "0", "1"]
    assert callback.live.read_latest()["step"] == 1


def test_inside_a_cell_fit_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        _fit(DVCLiveCallback())
        assert ends.calls == 0
        assert live.step == 2
    assert not (tmp_dir / "dvclive").exists()
    assert (tmp_dir / "cell" / "plots" / "metrics" / "eval" / "mae.tsv").is_file()


@pytest.mark.parametrize(
    ("name", "expected"),
    [("loss", "train/loss"), ("val_loss", "eval/loss"), ("val_top_k", "eval/top_k")],
)
def test_metric_names_follow_dvclive(name: str, expected: str) -> None:
    assert metric_name(name) == expected
