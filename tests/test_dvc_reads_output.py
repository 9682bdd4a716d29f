"""The real ``dvc`` reads what live_nb writes and agrees on every value."""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from live_nb import Live
from tests.conftest import git

pytestmark = pytest.mark.oracle


def _dvc_json(dvc: str, *args: str) -> Any:
    result = subprocess.run([dvc, *args, "--json"], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


@pytest.fixture
def dvc_repo(git_repo: Path, dvc: str) -> Path:
    subprocess.run([dvc, "init", "-q"], cwd=git_repo, check=True)
    git(git_repo, "commit", "-q", "-m", "dvc init")
    return git_repo


def _log_a_run() -> Live:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 2, 50)
    scores = rng.random(50)
    with Live() as live:
        live.log_params({"lr": 0.01, "model": {"depth": 3, "kind": "tree"}, "tags": ["a", "b"]})
        for step in range(4):
            live.log_metric("train/loss", 1 / (step + 1))
            live.log_metric("eval/acc", np.float32(step / 4))
            live.log_metric("lr_now", 0.01 * 0.9**step, timestamp=True)
            live.next_step()
        live.log_plot("custom", [{"x": i, "y": i * 2} for i in range(3)], x="x", y="y")
        live.log_sklearn_plot("roc", labels, scores)
        live.log_sklearn_plot("confusion_matrix", labels, scores > 0.5)
        live.log_image("sample.png", np.zeros((4, 4), dtype=np.uint8))
    return live


def test_dvc_metrics_show_reads_the_summary(dvc_repo: Path, dvc: str) -> None:
    live = _log_a_run()

    shown = _dvc_json(dvc, "metrics", "show")
    assert shown[""]["data"]["dvclive/metrics.json"]["data"] == live.summary
    assert live.summary == {
        "train": {"loss": 0.25},
        "eval": {"acc": 0.75},
        "lr_now": 0.01 * 0.9**3,
        "step": 3,
    }


def test_dvc_params_diff_reads_the_params(dvc_repo: Path, dvc: str) -> None:
    _log_a_run()

    diff = _dvc_json(dvc, "params", "diff")["dvclive/params.yaml"]
    assert {key: change["new"] for key, change in diff.items()} == {
        "lr": 0.01,
        "model.depth": 3,
        "model.kind": "tree",
        "tags": "['a', 'b']",  # dvc params diff shows lists as text
    }


def test_dvc_plots_show_reads_every_plot(dvc_repo: Path, dvc: str) -> None:
    _log_a_run()

    shown = _dvc_json(dvc, "plots", "show")
    assert "errors" not in shown
    plots = shown["data"]

    def values(path: str) -> list[dict[str, Any]]:
        rows = plots[path][0]["content"]["data"]["values"]
        return [{k: v for k, v in row.items() if k != "rev"} for row in rows]

    loss = values("dvclive/plots/metrics/train/loss.tsv")
    assert [(int(r["step"]), float(r["loss"])) for r in loss] == [
        (s, 1 / (s + 1)) for s in range(4)
    ]
    lr_now = values("dvclive/plots/metrics/lr_now.tsv")
    assert [float(r["lr_now"]) for r in lr_now] == [0.01 * 0.9**s for s in range(4)]
    assert all(len(r["timestamp"]) == 13 for r in lr_now)
    assert values("dvclive/plots/custom/custom.json") == [{"x": i, "y": i * 2} for i in range(3)]
    roc = values("dvclive/plots/sklearn/roc.json")
    assert roc[0]["fpr"] == 0.0 and math.isinf(roc[0]["threshold"])
    assert {"actual", "predicted"} <= set(values("dvclive/plots/sklearn/confusion_matrix.json")[0])
    assert plots["dvclive/plots/images/sample.png"][0]["type"] == "image"


def test_dvc_sees_our_entries_beside_its_own_stages(dvc_repo: Path, dvc: str) -> None:
    Path("dvc.yaml").write_text("stages:\n  prepare:\n    cmd: echo prepared\n")
    _log_a_run()

    status = subprocess.run([dvc, "status"], check=True, capture_output=True, text=True)
    assert "prepare" in status.stdout
    shown = _dvc_json(dvc, "metrics", "show")
    assert shown[""]["data"]["dvclive/metrics.json"]["data"]["step"] == 3
