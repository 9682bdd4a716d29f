"""live_nb.integrations.lgbm, with the real LightGBM on tiny synthetic data."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_integrations import EndCounter, assert_same_results, cell_live, metric_names, run_in

np = pytest.importorskip("numpy")
lightgbm = pytest.importorskip("lightgbm")

from live_nb.integrations.lgbm import DVCLiveCallback  # noqa: E402


def _train(callback: Any, valid_sets: int = 2) -> Any:
    """Three boosting rounds on 30 random points, evaluated on one or two sets."""
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 3)), rng.normal(size=30)
    train = lightgbm.Dataset(x[:20], y[:20])
    valid = lightgbm.Dataset(x[20:], y[20:], reference=train)
    sets, names = [train, valid][-valid_sets:], ["train", "eval"][-valid_sets:]
    return lightgbm.train(
        {
            "objective": "regression",
            "metric": "l2",
            "verbose": -1,
            "num_threads": 1,
            "min_data_in_leaf": 2,
        },
        train,
        num_boost_round=3,
        valid_sets=sets,
        valid_names=names,
        callbacks=[callback],
    )


@pytest.mark.oracle
@pytest.mark.parametrize("valid_sets", [1, 2])
def test_train_writes_what_dvclive_writes(
    valid_sets: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    oracle = pytest.importorskip("dvclive.lgbm")

    def train_with(callback_class: Any) -> Any:
        return lambda: _train(callback_class(save_dvc_exp=False), valid_sets)

    expected = run_in(tmp_path / "oracle", monkeypatch, train_with(oracle.DVCLiveCallback))
    actual = run_in(tmp_path / "ours", monkeypatch, train_with(DVCLiveCallback))
    assert_same_results(expected, actual)
    assert metric_names(actual) == (["eval/l2", "train/l2"] if valid_sets == 2 else ["l2"])


def test_results_are_complete_when_training_returns(tmp_dir: Path) -> None:
    callback = DVCLiveCallback(save_dvc_exp=False)
    _train(callback)
    assert callback.live.read_latest()["step"] == 2
    assert (tmp_dir / "dvc.yaml").is_file()


def test_inside_a_cell_training_logs_into_the_cells_live(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        _train(DVCLiveCallback())
        assert ends.calls == 0
        assert live.step == 3
    assert not (tmp_dir / "dvclive").exists()
    assert (tmp_dir / "cell/plots/metrics/eval/l2.tsv").is_file()
