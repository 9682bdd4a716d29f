"""live_nb.integrations.optuna, with the real Optuna on a tiny quadratic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.test_integrations import EndCounter, assert_same_results, cell_live, run_in

optuna = pytest.importorskip("optuna")

from live_nb.integrations.optuna import DVCLiveCallback  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _single(trial: Any) -> float:
    x = trial.suggest_float("x", -2, 2)
    return float((x - 1) ** 2)


def _double(trial: Any) -> tuple[float, float]:
    x = trial.suggest_float("x", -2, 2)
    kind = trial.suggest_categorical("kind", ["a", "b"])
    return float(x**2), float(x) if kind == "a" else -float(x)


def _optimize(callback: Any, objective: Any = _single, directions: int = 1) -> Any:
    """Three trials of a seeded random search."""
    study = optuna.create_study(
        sampler=optuna.samplers.RandomSampler(seed=0), directions=["minimize"] * directions
    )
    study.optimize(objective, n_trials=3, callbacks=[callback])
    return study


@pytest.mark.oracle
@pytest.mark.parametrize(
    ("objective", "directions", "arguments"),
    [
        (_single, 1, {}),
        (_double, 2, {"metric_name": "loss"}),
        (_double, 2, {"metric_name": ["size", "sign"], "dir": "search"}),
    ],
    ids=["single", "numbered", "named"],
)
def test_each_trial_writes_what_dvclive_writes(
    objective: Any,
    directions: int,
    arguments: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oracle = pytest.importorskip("dvclive.optuna")

    def optimize_with(callback_class: Any) -> Any:
        return lambda: _optimize(callback_class(**arguments), objective, directions)

    expected = run_in(tmp_path / "oracle", monkeypatch, optimize_with(oracle.DVCLiveCallback))
    actual = run_in(tmp_path / "ours", monkeypatch, optimize_with(DVCLiveCallback))
    assert_same_results(expected, actual)
    folder = actual / arguments.get("dir", "dvclive-optuna")
    assert (folder / "metrics.json").is_file()
    assert (folder / "params.yaml").is_file()


def test_the_last_trial_is_in_the_folder(tmp_dir: Path) -> None:
    study = _optimize(DVCLiveCallback())
    latest = json.loads((tmp_dir / "dvclive-optuna" / "metrics.json").read_text())
    assert latest == {"metric": study.trials[-1].value}


def test_names_must_match_the_objectives(tmp_dir: Path) -> None:
    with pytest.raises(ValueError, match="2 objective values but 3 metric names"):
        _optimize(DVCLiveCallback(metric_name=["a", "b", "c"]), _double, 2)


def test_inside_a_cell_each_trial_is_a_step_of_the_cells_run(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with cell_live(tmp_dir) as live:
        ends = EndCounter(live, monkeypatch)
        study = _optimize(DVCLiveCallback())
        assert ends.calls == 0
        assert live.step == 3
        assert live.summary["metric"] == study.trials[-1].value
        assert live.summary["params"]["x"] == study.trials[-1].params["x"]
    assert not (tmp_dir / "dvclive-optuna").exists()
    rows = (tmp_dir / "cell/plots/metrics/metric.tsv").read_text().splitlines()
    assert [row.split("\t")[0] for row in rows] == ["step", "0", "1", "2"]
