"""live_nb.integrations.xgb, with the real XGBoost on tiny synthetic data."""

from __future__ import annotations

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

np = pytest.importorskip("numpy")
xgboost = pytest.importorskip("xgboost")

from live_nb.integrations.xgb import DVCLiveCallback  # noqa: E402


def _train(callback: Any) -> Any:
    """Three boosting rounds on 20 random points, evaluated on a train and an eval set."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(20, 3)), rng.normal(size=20)
    train, valid = xgboost.DMatrix(x[:15], y[:15]), xgboost.DMatrix(x[15:], y[15:])
    return xgboost.train(
        {"max_depth": 2, "eval_metric": ["rmse", "mae"], "nthread": 1},
        train,
        num_boost_round=3,
        evals=[(train, "train"), (valid, "eval")],
        verbose_eval=False,
        callbacks=[callback],
    )


@pytest.mark.oracle
def test_train_writes_what_dvclive_writes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    oracle = pytest.importorskip("dvclive.xgb")
    expected = run_in(
        tmp_path / "oracle", monkeypatch, lambda: _train(oracle.DVCLiveCallback(save_dvc_exp=False))
    )
    actual = run_in(
        tmp_path / "ours", monkeypatch, lambda: _train(DVCLiveCallback(save_dvc_exp=False))
    )
    assert_same_results(expected, actual)
    assert metric_names(actual) == ["eval/mae", "eval/rmse", "train/mae", "train/rmse"]


@pytest.mark.oracle
def test_metric_data_logs_one_set_unprefixed_as_dvclive_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = pytest.importorskip("dvclive.xgb")

    def train_with(callback_class: Any) -> Any:
        def train() -> None:
            with pytest.warns(DeprecationWarning, match="metric_data"):
                callback = callback_class(metric_data="eval", save_dvc_exp=False)
            _train(callback)

        return train

    expected = run_in(tmp_path / "oracle", monkeypatch, train_with(oracle.DVCLiveCallback))
    actual = run_in(tmp_path / "ours", monkeypatch, train_with(DVCLiveCallback))
    assert_same_results(expected, actual)
    assert metric_names(actual) == ["mae", "rmse"]


def test_inside_a_cell_training_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        booster = _train(DVCLiveCallback())
        assert ends.calls == 0
        assert live.step == 3
    assert isinstance(booster, xgboost.Booster)
    assert not (tmp_dir / "dvclive").exists()
    rows = (tmp_dir / "cell/plots/metrics/eval/rmse.tsv").read_text().splitlines()
    assert len(rows) == 4


def test_in_a_live_cell_of_a_real_kernel(kernel: Any, git_repo: Path) -> None:
    code = (
        "%%live --no-save\n"
        "import numpy as np, xgboost\n"
        "from live_nb.integrations.xgb import DVCLiveCallback\n"
        "rng = np.random.default_rng(0)\n"
        "data = xgboost.DMatrix(rng.normal(size=(20, 3)), rng.normal(size=20))\n"
        "callback = DVCLiveCallback()\n"
        "xgboost.train({'nthread': 1}, data, 3, evals=[(data, 'train')], verbose_eval=False,\n"
        "              callbacks=[callback])\n"
        "print(callback.live is live)\n"
    )
    outputs = kernel.run(code)
    assert [o for o in outputs if o["output_type"] == "error"] == []
    assert any(o.get("text", "").strip() == "True" for o in outputs), outputs
    rows = (git_repo / "dvclive/plots/metrics/train/rmse.tsv").read_text().splitlines()
    assert len(rows) == 4
