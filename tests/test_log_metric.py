from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from live_nb import Live


class ScalarTensor:
    """Stands in for a one-element torch/jax tensor: not a number, but has ``.item()``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def item(self) -> float:
        return self.value


def test_metric_history_is_a_tsv_per_metric(tmp_dir: Path) -> None:
    with Live() as live:
        for step in range(3):
            live.log_metric("train/loss", 1 / (step + 1))
            live.next_step()

    tsv = tmp_dir / "dvclive" / "plots" / "metrics" / "train" / "loss.tsv"
    assert tsv.read_text() == "step\tloss\n0\t1.0\n1\t0.5\n2\t0.3333333333333333\n"


def test_summary_nests_names_and_records_the_step(tmp_dir: Path) -> None:
    with Live() as live:
        live.log_metric("train/loss", 0.5)
        live.log_metric("train/acc", 0.9)
        live.log_metric("eval/loss", 0.7)
        live.next_step()

    summary = json.loads((tmp_dir / "dvclive" / "metrics.json").read_text())
    assert summary == {"train": {"loss": 0.5, "acc": 0.9}, "eval": {"loss": 0.7}, "step": 0}
    assert live.summary == summary


@pytest.mark.parametrize(
    ("value", "in_tsv", "in_json"),
    [
        (3, "3", 3),
        (2.5, "2.5", 2.5),
        (True, "True", True),
        ("text", "text", "text"),
        (np.float32(0.1), "0.1", 0.10000000149011612),
        (np.float64(0.25), "0.25", 0.25),
        (np.int64(7), "7", 7),
        (np.array(1.5), "1.5", 1.5),
        (ScalarTensor(0.75), "0.75", 0.75),
        (float("nan"), "nan", "nan"),
        (float("inf"), "inf", "inf"),
        (-float("inf"), "-inf", "-inf"),
        (np.float32("nan"), "nan", "nan"),
    ],
)
def test_accepted_values_are_stored_as_dvclive_stores_them(
    tmp_dir: Path, value: Any, in_tsv: str, in_json: Any
) -> None:
    with Live() as live:
        live.log_metric("m", value)

    assert (tmp_dir / "dvclive/plots/metrics/m.tsv").read_text() == f"step\tm\n0\t{in_tsv}\n"
    assert json.loads((tmp_dir / "dvclive/metrics.json").read_text()) == {"m": in_json}


def test_timestamp_adds_an_epoch_milliseconds_column(tmp_dir: Path) -> None:
    with Live() as live:
        live.log_metric("m", 1, timestamp=True)

    header, row = (tmp_dir / "dvclive/plots/metrics/m.tsv").read_text().splitlines()
    assert header == "timestamp\tstep\tm"
    timestamp, step, value = row.split("\t")
    assert len(timestamp) == 13 and timestamp.isdigit()
    assert (step, value) == ("0", "1")


def test_plot_false_keeps_the_metric_out_of_the_history(tmp_dir: Path) -> None:
    with Live() as live:
        live.log_metric("best", 0.1, plot=False)

    assert not (tmp_dir / "dvclive/plots/metrics/best.tsv").exists()
    assert json.loads((tmp_dir / "dvclive/metrics.json").read_text()) == {"best": 0.1}


def test_text_values_are_quoted_as_csv_quotes_them(tmp_dir: Path) -> None:
    with Live() as live:
        live.log_metric("note", 'a\t"b"')

    assert (tmp_dir / "dvclive/plots/metrics/note.tsv").read_text() == 'step\tnote\n0\t"a\t""b"""\n'


def test_step_is_settable_and_used_for_rows(tmp_dir: Path) -> None:
    with Live() as live:
        live.step = 100
        live.log_metric("m", 1)
        assert live.step == 100
        live.next_step()
        assert live.step == 101

    assert (tmp_dir / "dvclive/plots/metrics/m.tsv").read_text() == "step\tm\n100\t1\n"


def test_step_must_be_an_integer(tmp_dir: Path) -> None:
    live = Live()
    with pytest.raises(TypeError, match="step must be an int"):
        live.step = 1.5  # type: ignore[assignment]
    live.step = np.int64(4)  # type: ignore[assignment]
    assert live.step == 4


def test_many_metrics_beyond_the_open_file_limit_are_all_written(tmp_dir: Path) -> None:
    with Live() as live:
        for step in range(3):
            for index in range(300):
                live.log_metric(f"group/m{index}", step)
            live.next_step()

    for index in (0, 150, 299):
        text = (tmp_dir / f"dvclive/plots/metrics/group/m{index}.tsv").read_text()
        assert text == f"step\tm{index}\n0\t0\n1\t1\n2\t2\n"
