"""Bad names, values and arguments: a clear error, and no stray file."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from live_nb import Live, LiveNbError, LiveNbWarning
from live_nb.error import InvalidNameError

METRICS = Path("dvclive/plots/metrics")
LABELS = [0, 1, 1, 0]
SCORES = [0.2, 0.9, 0.6, 0.4]

BAD_NAMES = ["../x", "/abs", "a/../b", "", "a\x00b", "a\\b", "a//b", "./a", "a/", "tab\tname"]


def log_metric(live: Live, name: str) -> None:
    live.log_metric(name, 1.0)


def log_image(live: Live, name: str) -> None:
    live.log_image(name, np.zeros((2, 2), dtype=np.uint8))


def log_plot(live: Live, name: str) -> None:
    live.log_plot(name, [{"x": 1, "y": 2}], x="x", y="y")


def log_sklearn_plot(live: Live, name: str) -> None:
    live.log_sklearn_plot("roc", LABELS, SCORES, name=name)


Logger = Callable[[Live, str], None]
LOGGERS: list[tuple[str, Logger]] = [
    ("metric name", log_metric),
    ("image name", log_image),
    ("plot name", log_plot),
    ("plot name", log_sklearn_plot),
]


def name_cases() -> list[Any]:
    cases = []
    for label, logger in LOGGERS:
        for name in BAD_NAMES:
            cases.append(pytest.param(label, logger, name, id=f"{logger.__name__}-{name!r}"))
    return cases


def tree(root: Path) -> tuple[set[str], set[str]]:
    files, folders = set(), set()
    for folder, dirnames, filenames in os.walk(root):
        base = Path(folder).relative_to(root)
        folders.update((base / d).as_posix() for d in dirnames)
        files.update((base / f).as_posix() for f in filenames)
    return files, folders


def read_tsv(name: str) -> str:
    return (METRICS / f"{name}.tsv").read_text(encoding="utf-8")


@pytest.mark.parametrize(("label", "logger", "name"), name_cases())
def test_log_with_unsafe_name_raises_and_writes_nothing(
    tmp_dir: Path, label: str, logger: Logger, name: str
) -> None:
    live = Live(save_dvc_exp=False)
    files_before, folders_before = tree(tmp_dir)
    siblings_before = sorted(os.listdir(tmp_dir.parent))

    with pytest.raises(InvalidNameError, match=label) as caught:
        logger(live, name)

    files_after, folders_after = tree(tmp_dir)
    assert isinstance(caught.value, ValueError)
    assert files_after == files_before
    assert all(folder.startswith("dvclive/") for folder in folders_after - folders_before)
    assert sorted(os.listdir(tmp_dir.parent)) == siblings_before
    assert not any(Path(f"/abs{suffix}").exists() for suffix in ("", ".tsv", ".json", ".png"))


@pytest.mark.parametrize("name", [".json", "a/.json"])
def test_log_plot_named_only_json_suffix_raises(tmp_dir: Path, name: str) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidNameError, match="plot name"):
        log_plot(live, name)


@pytest.mark.parametrize(
    "value",
    [
        pytest.param([0.5], id="list"),
        pytest.param({"value": 0.5}, id="dict"),
        pytest.param(None, id="None"),
        pytest.param(1 + 2j, id="complex"),
        pytest.param(object(), id="object"),
        pytest.param(np.array([0.5, 0.25]), id="multi-element-array"),
        pytest.param(Decimal("1"), id="Decimal"),
    ],
)
def test_log_metric_of_unsupported_value_raises_type_error_and_writes_no_row(
    tmp_dir: Path, value: Any
) -> None:
    live = Live(save_dvc_exp=False)
    live.log_metric("ok", 1)

    with pytest.raises(TypeError, match="'loss'") as caught:
        live.log_metric("loss", value)
    live.next_step()
    live.end()

    assert isinstance(caught.value, LiveNbError)
    assert not (METRICS / "loss.tsv").exists()
    assert json.loads(Path("dvclive/metrics.json").read_text()) == {"ok": 1, "step": 0}


def test_log_metric_after_a_rejected_value_writes_one_row(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(TypeError):
        live.log_metric("loss", None)
    live.log_metric("loss", 0.5)
    live.next_step()

    assert read_tsv("loss") == "step\tloss\n0\t0.5\n"


def test_log_metric_nested_under_a_rejected_metric_is_accepted(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    with pytest.raises(TypeError):
        live.log_metric("train", [1.0])

    live.log_metric("train/loss", 0.5)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (float("-inf"), "-inf"),
        (np.float32("nan"), "nan"),
        (np.float64("-inf"), "-inf"),
    ],
)
def test_log_metric_nan_and_inf_are_written_as_text(tmp_dir: Path, value: Any, text: str) -> None:
    live = Live(save_dvc_exp=False)

    live.log_metric("loss", value)
    live.next_step()
    live.end()

    assert read_tsv("loss") == f"step\tloss\n0\t{text}\n"
    assert json.loads(Path("dvclive/metrics.json").read_text()) == {"loss": text, "step": 0}


@pytest.mark.parametrize(("first", "second"), [("train", "train/loss"), ("train/loss", "train")])
def test_log_metric_that_would_hold_both_a_value_and_metrics_raises(
    tmp_dir: Path, first: str, second: str
) -> None:
    live = Live(save_dvc_exp=False)
    live.log_metric(first, 1.0)

    with pytest.raises(InvalidNameError, match="metric name") as caught:
        live.log_metric(second, 2.0)
    live.next_step()

    assert repr(second) in str(caught.value)
    assert not (METRICS / f"{second}.tsv").exists()


def test_log_metrics_sharing_only_a_prefix_do_not_conflict(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_metric("train", 1.0)
    live.log_metric("training/loss", 2.0)
    live.log_metric("train_acc", 3.0)
    live.end()

    assert json.loads(Path("dvclive/metrics.json").read_text()) == {
        "train": 1.0,
        "training": {"loss": 2.0},
        "train_acc": 3.0,
    }


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"report": "pdf"}, id="report-pdf"),
        pytest.param({"dvcyaml": "x.yaml"}, id="dvcyaml-x.yaml"),
        pytest.param({"dvcyaml": "dvc.yml"}, id="dvcyaml-dvc.yml"),
    ],
)
def test_live_with_bad_argument_raises_value_error_and_creates_nothing(
    tmp_dir: Path, kwargs: dict[str, Any]
) -> None:
    with pytest.raises(ValueError, match=re.escape(str(next(iter(kwargs.values()))))):
        Live(save_dvc_exp=False, **kwargs)

    assert os.listdir(tmp_dir) == []


def test_log_artifact_of_a_missing_file_warns_naming_it(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.warns(LiveNbWarning, match=r"missing\.pkl: no such file|'missing\.pkl': no such"):
        live.log_artifact("missing.pkl")

    assert not Path(".dvc").exists()
    assert not Path("missing.pkl.dvc").exists()


def test_log_artifact_of_a_number_raises_type_error(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(TypeError, match="int") as caught:
        live.log_artifact(123)  # type: ignore[arg-type]

    assert isinstance(caught.value, LiveNbError)
    assert not Path(".dvc").exists()


def test_exception_inside_with_still_writes_results_and_propagates(tmp_dir: Path) -> None:
    with pytest.raises(RuntimeError, match="training diverged"), Live(save_dvc_exp=False) as live:
        live.log_param("lr", 0.1)
        live.log_metric("loss", 0.5)
        live.next_step()
        live.log_metric("loss", 0.25)
        raise RuntimeError("training diverged")

    summary = json.loads(Path("dvclive/metrics.json").read_text())
    assert summary["loss"] == 0.25
    assert read_tsv("loss") == "step\tloss\n0\t0.5\n1\t0.25\n"
    assert yaml.safe_load(Path("dvc.yaml").read_text()) == {
        "params": ["dvclive/params.yaml"],
        "metrics": ["dvclive/metrics.json"],
        "plots": [{"dvclive/plots/metrics": {"x": "step"}}],
    }


@pytest.mark.parametrize(
    ("first", "second", "reason"),
    [
        ("a", "a/b", "already exists"),
        ("a/b", "a", "already exists"),
        ("a", "a.tsv/b", "is written to the file 'a.tsv'"),
        ("a.tsv/b", "a", "is a folder of metric"),
    ],
)
def test_metric_names_that_cannot_sit_side_by_side_are_refused_by_name(
    tmp_dir: Path, first: str, second: str, reason: str
) -> None:
    live = Live(save_dvc_exp=False)
    live.log_metric(first, 1.0)
    with pytest.raises(ValueError, match=re.escape(repr(second)) + ".*" + re.escape(reason)):
        live.log_metric(second, 2.0)
    live.next_step()
    assert live.summary[first.split("/")[0]] is not None  # the first metric is untouched


def test_a_metric_name_longer_than_a_file_name_may_be_is_refused(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    with pytest.raises(ValueError, match="255 bytes"):
        live.log_metric("m" * 300, 1.0)
    live.log_metric("ok", 1.0)
    live.next_step()


def test_ten_thousand_metrics_in_one_step_are_checked_in_linear_time(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    for index in range(10_000):  # quadratic checking took 10 to 55 s here
        live.log_metric(f"group{index % 100}/metric{index}", float(index))
    live.next_step()
    assert len(list(Path("dvclive/plots/metrics").rglob("*.tsv"))) == 10_000


def test_a_text_metric_with_a_line_break_is_refused_and_writes_nothing(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    with pytest.raises(ValueError, match=r"'note'.*line break"):
        live.log_metric("note", "two\nlines")
    live.next_step()
    assert not Path("dvclive/plots/metrics/note.tsv").exists()


def test_a_one_element_array_is_logged_as_its_scalar(tmp_dir: Path) -> None:
    np = pytest.importorskip("numpy")
    live = Live(save_dvc_exp=False)
    live.log_metric("loss", np.array([0.5]))
    live.next_step()
    assert Path("dvclive/plots/metrics/loss.tsv").read_text() == "step\tloss\n0\t0.5\n"


def test_errors_keep_dvclives_names() -> None:
    from live_nb import error

    for name in ("InvalidDataTypeError", "InvalidDvcyamlError", "InvalidImageNameError",
                 "InvalidPlotTypeError", "InvalidParameterTypeError", "InvalidReportModeError",
                 "DvcLiveError"):  # fmt: skip
        assert issubclass(getattr(error, name), error.LiveNbError)


def test_an_exp_name_too_long_for_a_file_is_saved_under_a_generated_name(git_repo: Path) -> None:
    with pytest.warns(LiveNbWarning, match="bytes long"), Live(exp_name="n" * 300) as live:
        live.log_metric("m", 1.0)
    assert live.experiment is not None and live.experiment.name != "n" * 300
