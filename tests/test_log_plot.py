"""``Live.log_plot`` and ``Live.log_sklearn_plot``: JSON data files and their dvc.yaml entries."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from live_nb import Live, LiveEvent
from live_nb.error import InvalidDataTypeError, InvalidPlotDataError, InvalidPlotTypeError

CUSTOM = Path("dvclive/plots/custom")
SKLEARN = Path("dvclive/plots/sklearn")
KEY_ORDER = ["template", "x", "y", "title", "x_label", "y_label"]
LABELS = [0, 1, 1, 0, 1, 0, 1, 1]
SCORES = [0.1, 0.8, 0.6, 0.4, 0.9, 0.3, 0.35, 0.7]


def read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def plot_entries() -> dict[str, dict[str, Any]]:
    dvc_yaml = Path("dvc.yaml")
    config = yaml.safe_load(dvc_yaml.read_text(encoding="utf-8")) if dvc_yaml.exists() else None
    plots = (config or {}).get("plots") or []
    return {
        key: value for entry in plots if isinstance(entry, dict) for key, value in entry.items()
    }


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def test_log_list_of_dicts_writes_dvclive_json(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot(
        "curve",
        [{"x": np.int64(1), "y": np.float32(0.5)}, {"x": 2, "y": np.float64(0.25)}],
        x="x",
        y="y",
    )

    expected = [{"x": 1, "y": 0.5}, {"x": 2, "y": 0.25}]
    assert (CUSTOM / "curve.json").read_text() == json.dumps(expected, indent=4) + "\n"


def test_log_dataframe_writes_one_record_per_row(tmp_dir: Path) -> None:
    frame = pd.DataFrame({"epoch": [0, 1, 2], "loss": [0.9, 0.5, 0.25], "tag": ["a", "b", "c"]})
    live = Live(save_dvc_exp=False)

    live.log_plot("frame", frame, x="epoch", y="loss")

    assert read_json(CUSTOM / "frame.json") == [
        {"epoch": 0, "loss": 0.9, "tag": "a"},
        {"epoch": 1, "loss": 0.5, "tag": "b"},
        {"epoch": 2, "loss": 0.25, "tag": "c"},
    ]


def test_log_structured_array_serialises_its_numpy_values(tmp_dir: Path) -> None:
    points = np.array(
        [(1, 0.5, True), (2, 0.25, False)], dtype=[("x", "i8"), ("y", "f4"), ("ok", "?")]
    )
    live = Live(save_dvc_exp=False)

    live.log_plot("structured", points, x="x", y="y")

    assert read_json(CUSTOM / "structured.json") == [
        {"x": 1, "y": 0.5, "ok": True},
        {"x": 2, "y": 0.25, "ok": False},
    ]


def test_log_plain_2d_array_uses_column_numbers_as_keys(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot("matrix", np.array([[1, 10], [2, 20]], dtype=np.int32), x="0", y="1")
    live.end()

    assert read_json(CUSTOM / "matrix.json") == [{"0": 1, "1": 10}, {"0": 2, "1": 20}]
    assert plot_entries()["dvclive/plots/custom/matrix.json"] == {
        "template": "linear",
        "x": "0",
        "y": "1",
    }


def test_log_plot_with_defaults_writes_linear_entry(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot("plain", [{"a": 1, "b": 2}], x="a", y="b")
    live.end()

    assert plot_entries()["dvclive/plots/custom/plain.json"] == {
        "template": "linear",
        "x": "a",
        "y": "b",
    }


def test_log_plot_with_titles_writes_them_in_dvclive_key_order(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot(
        "labelled",
        [{"step": 0, "train": 1.0, "eval": 1.5}],
        x="step",
        y_label="Loss",
        x_label="Step",
        title="Loss curves",
        template="scatter",
        y=["train", "eval"],
    )
    live.end()

    entry = plot_entries()["dvclive/plots/custom/labelled.json"]
    assert list(entry) == KEY_ORDER
    assert entry == {
        "template": "scatter",
        "x": "step",
        "y": ["train", "eval"],
        "title": "Loss curves",
        "x_label": "Step",
        "y_label": "Loss",
    }


def test_log_plot_name_with_json_suffix_is_not_doubled(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot("curve.json", [{"x": 1, "y": 2}], x="x", y="y")
    live.end()

    assert files_under(CUSTOM) == ["curve.json"]
    assert list(plot_entries()) == ["dvclive/plots/custom/curve.json"]


def test_log_plot_with_nested_name_writes_into_a_subfolder(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot("a/b", [{"x": 1, "y": 2}], x="x", y="y")
    live.end()

    assert files_under(CUSTOM) == ["a/b.json"]
    assert "dvclive/plots/custom/a/b.json" in plot_entries()


def test_log_plot_again_overwrites_data_and_keeps_the_first_config(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_plot("again", [{"x": 1, "y": 1}], x="x", y="y", title="first")
    live.log_plot("again.json", [{"x": 2, "y": 4}], x="x", y="y", title="second")
    live.end()

    assert read_json(CUSTOM / "again.json") == [{"x": 2, "y": 4}]
    assert plot_entries() == {
        "dvclive/plots/custom/again.json": {
            "template": "linear",
            "x": "x",
            "y": "y",
            "title": "first",
        }
    }


def test_subscriber_receives_a_plot_event_with_the_written_path(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    events: list[LiveEvent] = []
    live.subscribe(events.append)

    live.log_plot("seen", [{"x": 1, "y": 2}], x="x", y="y")

    plots = [event for event in events if event.kind == "plot"]
    assert [(event.name, Path(event.value)) for event in plots] == [
        ("seen", tmp_dir / CUSTOM / "seen.json")
    ]


@pytest.mark.parametrize(
    ("datapoints", "detail"),
    [
        pytest.param([1, 2], "dicts", id="list-of-ints"),
        pytest.param([{"x": 1}, "y"], "dicts", id="list-with-a-str"),
        pytest.param(np.zeros((2, 2, 2)), "2-D", id="3-D-array"),
        pytest.param(np.zeros(3), "2-D", id="1-D-array"),
        pytest.param("x,y\n1,2", "str", id="str"),
        pytest.param({"x": [1], "y": [2]}, "dict", id="dict"),
    ],
)
def test_log_plot_of_unsupported_data_raises_invalid_plot_data_error(
    tmp_dir: Path, datapoints: Any, detail: str
) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidPlotDataError, match=detail) as caught:
        live.log_plot("broken", datapoints, x="x", y="y")

    assert isinstance(caught.value, TypeError)
    assert isinstance(caught.value, InvalidDataTypeError)  # what DVCLive raises: caught by name
    assert "'broken'" in str(caught.value)
    assert not CUSTOM.exists()


@pytest.mark.parametrize(
    ("x", "y", "missing"),
    [("step", "loss", "step"), ("epoch", "acc", "acc"), ("epoch", ["loss", "val"], "val")],
)
def test_log_plot_with_an_axis_missing_from_the_data_names_plot_and_field(
    tmp_dir: Path, x: str, y: str | list[str], missing: str
) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidPlotDataError) as caught:
        live.log_plot("axes", [{"epoch": 0, "loss": 1.0}], x=x, y=y)

    assert "'axes'" in str(caught.value)
    assert repr(missing) in str(caught.value)
    assert not CUSTOM.exists()
    live.end()
    assert "dvclive/plots/custom/axes.json" not in plot_entries()


def test_log_sklearn_plot_of_unknown_kind_lists_the_supported_kinds(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    with pytest.raises(InvalidPlotTypeError, match="'pie'") as caught:
        live.log_sklearn_plot("pie", LABELS, SCORES)

    for kind in ("calibration", "confusion_matrix", "det", "precision_recall", "roc"):
        assert repr(kind) in str(caught.value)
    assert isinstance(caught.value, ValueError)
    assert not SKLEARN.exists()


SKLEARN_ENTRIES = {
    "roc": {
        "template": "simple",
        "x": "fpr",
        "y": "tpr",
        "title": "Receiver operating characteristic (ROC)",
        "x_label": "False Positive Rate",
        "y_label": "True Positive Rate",
    },
    "precision_recall": {
        "template": "simple",
        "x": "recall",
        "y": "precision",
        "title": "Precision-Recall Curve",
        "x_label": "Recall",
        "y_label": "Precision",
    },
    "det": {
        "template": "simple",
        "x": "fpr",
        "y": "fnr",
        "title": "Detection error tradeoff (DET)",
        "x_label": "False Positive Rate",
        "y_label": "False Negative Rate",
    },
    "calibration": {
        "template": "simple",
        "x": "prob_pred",
        "y": "prob_true",
        "title": "Calibration Curve",
        "x_label": "Mean Predicted Probability",
        "y_label": "Fraction of Positives",
    },
    "confusion_matrix": {
        "template": "confusion",
        "x": "actual",
        "y": "predicted",
        "title": "Confusion Matrix",
        "x_label": "True Label",
        "y_label": "Predicted Label",
    },
}


@pytest.mark.parametrize("kind", sorted(SKLEARN_ENTRIES))
def test_log_sklearn_plot_writes_json_and_dvc_yaml_entry(tmp_dir: Path, kind: str) -> None:
    predictions = [int(s > 0.5) for s in SCORES] if kind == "confusion_matrix" else SCORES
    live = Live(save_dvc_exp=False)

    live.log_sklearn_plot(kind, LABELS, predictions)
    live.end()

    data = read_json(SKLEARN / f"{kind}.json")
    records = data if kind == "confusion_matrix" else data[kind]
    entry = SKLEARN_ENTRIES[kind]
    assert records
    assert all(entry["x"] in record and entry["y"] in record for record in records)
    written = plot_entries()[f"dvclive/plots/sklearn/{kind}.json"]
    assert written == entry
    assert list(written) == KEY_ORDER


def test_log_sklearn_confusion_matrix_normalized_uses_normalized_template(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_sklearn_plot("confusion_matrix", LABELS, LABELS[::-1], normalized=True)
    live.end()

    entry = plot_entries()["dvclive/plots/sklearn/confusion_matrix.json"]
    assert entry["template"] == "confusion_normalized"
    assert read_json(SKLEARN / "confusion_matrix.json")[0] == {"actual": "0", "predicted": "1"}


def test_log_sklearn_plot_with_name_and_titles_overrides_the_defaults(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_sklearn_plot(
        "roc", LABELS, SCORES, name="eval/roc", title="ROC", x_label="FPR", y_label="TPR"
    )
    live.end()

    assert files_under(SKLEARN) == ["eval/roc.json"]
    assert plot_entries()["dvclive/plots/sklearn/eval/roc.json"] == {
        **SKLEARN_ENTRIES["roc"],
        "title": "ROC",
        "x_label": "FPR",
        "y_label": "TPR",
    }


def test_log_sklearn_plot_name_with_json_suffix_is_not_doubled(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)

    live.log_sklearn_plot("roc", LABELS, SCORES, name="eval/roc.json")
    live.end()

    assert files_under(SKLEARN) == ["eval/roc.json"]
    assert "dvclive/plots/sklearn/eval/roc.json" in plot_entries()
