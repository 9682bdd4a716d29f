"""The same script run with DVCLive and with live_nb writes the same files, byte for byte.

Each scenario is a function of the ``Live`` class; it runs once with
``dvclive.Live`` and once with ``live_nb.Live`` in twin directories, and the
two trees are compared (timestamps masked). Skipped when dvclive is absent.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import live_nb

pytestmark = [pytest.mark.oracle, pytest.mark.filterwarnings("ignore::FutureWarning")]

Scenario = Callable[[Any], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(function: Scenario) -> Scenario:
    SCENARIOS[function.__name__] = function
    return function


@scenario
def params_and_metrics(Live: Any) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_params(
            {
                "lr": 0.001,
                "epochs": 3,
                "model": {"layers": [64, 32], "activation": "relu", "dropout": None},
                "flag": True,
                "name": "yes",
                "tiny": 1e-05,
            }
        )
        live.log_param("optimizer", "adam")
        for epoch in range(3):
            live.log_metric("train/loss", 1.0 / (epoch + 1))
            live.log_metric("train/acc", np.float32(0.5 + epoch / 10))
            live.log_metric("eval/loss", np.float64(0.9 / (epoch + 1)))
            live.log_metric("count", np.int64(epoch))
            live.log_metric("label", f"epoch {epoch}")
            live.log_metric("unstable", float("nan") if epoch == 1 else float("inf"))
            live.next_step()


@scenario
def timestamps_and_unplotted(Live: Any) -> None:
    live = Live(save_dvc_exp=False)
    for _ in range(3):
        live.log_metric("with_time", 0.5, timestamp=True)
        live.log_metric("summary_only", 2, plot=False)
        live.log_metric("text value", 'quote " and tab\t')
        live.next_step()
    live.end()


@scenario
def explicit_steps_and_summary(Live: Any) -> None:
    live = Live(save_dvc_exp=False)
    live.step = 10
    live.log_metric("loss", 0.25)
    live.step = 20
    live.log_metric("loss", 0.125)
    live.summary["custom"] = {"extra": 1}
    live.make_summary()
    live.end()
    live.log_metric("after_end", 1.5)
    live.end()


@scenario
def metrics_without_next_step(Live: Any) -> None:
    with Live("custom_dir", save_dvc_exp=False) as live:
        live.log_metric("only", 1)
        live.log_metric("only", 2)


@scenario
def custom_plots(Live: Any) -> None:
    import pandas as pd

    with Live(save_dvc_exp=False) as live:
        points = [{"x": i, "y": i * i, "z": -i} for i in range(5)]
        live.log_plot("squares", points, x="x", y="y", title="Squares", x_label="n")
        live.log_plot("both.json", points, x="x", y=["y", "z"], template=None)
        live.log_plot("frame", pd.DataFrame(points), x="x", y="y", template="scatter")
        live.log_plot("nested/plot", points, x="x", y="z", y_label="zed")
        live.log_plot("squares", points[:2], x="ignored", y="ignored")


@scenario
def sklearn_plots(Live: Any) -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, 200)
    scores = np.clip(labels * 0.3 + rng.random(200) * 0.7, 0, 1)
    with Live(save_dvc_exp=False) as live:
        live.log_sklearn_plot("roc", labels, scores)
        live.log_sklearn_plot("precision_recall", labels, scores, name="pr", title="PR")
        live.log_sklearn_plot("det", labels, scores, x_label="FPR")
        live.log_sklearn_plot("calibration", labels, scores, n_bins=4)
        live.log_sklearn_plot("confusion_matrix", labels, (scores > 0.5).astype(int))
        live.log_sklearn_plot(
            "confusion_matrix",
            labels.tolist(),
            (scores > 0.5).tolist(),
            name="cm_norm",
            normalized=True,
        )
        live.log_sklearn_plot("roc", labels, scores, name="roc_full", drop_intermediate=False)


@scenario
def images(Live: Any) -> None:
    from PIL import Image

    gradient = np.tile(np.arange(64, dtype=np.uint8) * 4, (32, 1))
    Image.fromarray(gradient).save("source.png")
    with Live(save_dvc_exp=False) as live:
        live.log_image("gray.png", gradient)
        live.log_image("rgb.png", np.stack([gradient] * 3, axis=-1))
        live.log_image("pil.jpg", Image.fromarray(gradient).convert("RGB"))
        live.log_image("from_path", "source.png")
        for step in range(2):
            live.log_image(f"slider/{step}.png", gradient // (step + 1))
            live.next_step()


@scenario
def resumed_run(Live: Any) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_param("first", 1)
        for i in range(3):
            live.log_metric("loss", 1.0 - i / 10)
            live.next_step()
    with Live(save_dvc_exp=False, resume=True) as live:
        live.log_param("second", 2)
        for i in range(2):
            live.log_metric("loss", 0.5 - i / 10)
            live.next_step()


@scenario
def new_run_clears_previous(Live: Any) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_param("old", 1)
        live.log_metric("old_metric", 1)
        live.log_image("old.png", np.zeros((4, 4), dtype=np.uint8))
        live.log_plot("old_plot", [{"a": 1, "b": 2}], x="a", y="b")
        live.next_step()
    with Live(save_dvc_exp=False) as live:
        live.log_metric("new_metric", 2)
        live.next_step()


@scenario
def users_dvcyaml_is_updated(Live: Any) -> None:
    Path("dvc.yaml").write_text(
        "# The project's pipeline\n"
        "stages:\n"
        "  train:\n"
        "    cmd: python train.py  # trains\n"
        "    deps:\n"
        "    - train.py\n"
        "metrics:\n"
        "- other/metrics.json\n"
        "plots:\n"
        "- other/plot.csv\n"
        "- dvclive/plots/metrics:\n"
        "    x: step\n"
    )
    with Live(save_dvc_exp=False) as live:
        live.log_param("p", 1)
        live.log_metric("m", 1)
        live.next_step()


@scenario
def dvcyaml_elsewhere_or_off(Live: Any) -> None:
    os.makedirs("sub", exist_ok=True)
    with Live("out_a", save_dvc_exp=False, dvcyaml="sub/dvc.yaml") as live:
        live.log_param("p", 1)
        live.log_metric("m", 1)
        live.next_step()
    with Live("out_b", save_dvc_exp=False, dvcyaml=False) as live:
        live.log_metric("m", 1)
        live.next_step()


_TIMESTAMP_ROW = re.compile(rb"^\d{13}\t", re.MULTILINE)


def _tree(root: Path) -> dict[str, bytes]:
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and ".dvc" not in path.relative_to(root).parts[:1]:
            content = path.read_bytes()
            if path.suffix == ".tsv":
                content = _TIMESTAMP_ROW.sub(b"<timestamp>\t", content)
            files[path.relative_to(root).as_posix()] = content
    return files


def _run(function: Scenario, live_class: Any, where: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    where.mkdir()
    with monkeypatch.context() as patch:
        patch.chdir(where)
        function(live_class)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_same_files_as_dvclive(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dvclive = pytest.importorskip("dvclive")
    _run(SCENARIOS[name], dvclive.Live, tmp_path / "dvclive_run", monkeypatch)
    _run(SCENARIOS[name], live_nb.Live, tmp_path / "live_nb_run", monkeypatch)

    expected = _tree(tmp_path / "dvclive_run")
    actual = _tree(tmp_path / "live_nb_run")
    assert sorted(actual) == sorted(expected)
    for path, content in expected.items():
        assert actual[path].decode(errors="replace") == content.decode(errors="replace"), path
