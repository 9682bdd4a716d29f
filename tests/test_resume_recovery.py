"""resume=True continues where the previous run stopped, whatever it left behind."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from live_nb import Live, LiveNbWarning


def _steps(path: str) -> list[int]:
    rows = Path(path).read_text().splitlines()[1:]
    return [int(row.split("\t")[0]) for row in rows]


def test_a_metric_logged_after_the_loop_does_not_skip_a_step_on_resume(tmp_dir: Path) -> None:
    with Live(save_dvc_exp=False) as live:
        for _ in range(2):
            live.log_metric("loss", 1.0)
            live.next_step()
        live.log_metric("final", 0.5)  # outside the step loop
    with Live(resume=True, save_dvc_exp=False) as live:
        for _ in range(2):
            live.log_metric("loss", 0.5)
            live.next_step()
    assert _steps("dvclive/plots/metrics/loss.tsv") == [0, 1, 2, 3]


def test_a_clean_run_with_float32_values_keeps_its_rows_after_the_loop(tmp_dir: Path) -> None:
    import numpy as np

    with Live(save_dvc_exp=False) as live:
        for step in range(3):
            live.log_metric("acc", np.float32(0.1 * step))  # "0.1" in the row, more in json
            live.next_step()
        live.log_metric("final", np.float32(0.3))
    live = _resume()
    assert _steps("dvclive/plots/metrics/final.tsv") == [3]
    assert live.step == 3


@pytest.mark.parametrize("content", ["", "{not json", "[1, 2]"])
def test_resume_over_an_empty_or_corrupt_summary_recovers_from_the_metric_files(
    tmp_dir: Path, content: str
) -> None:
    with Live(save_dvc_exp=False) as live:
        for step in range(3):
            live.log_metric("loss", 1 / (step + 1))
            live.next_step()
    Path("dvclive/metrics.json").write_text(content)
    with pytest.warns(LiveNbWarning, match="metrics.json is ignored"):
        live = Live(resume=True, save_dvc_exp=False)
    live.log_metric("loss", 0.1)
    live.next_step()
    live.end()
    assert _steps("dvclive/plots/metrics/loss.tsv") == [0, 1, 2, 3]
    assert live.read_latest() == {"loss": 0.1, "step": 3}


# ---- torn steps: what a process killed inside next_step leaves ---------------------------

METRICS = Path("dvclive/plots/metrics")


def _write_tsv(name: str, rows: list[tuple[int, float]], tail: str = "") -> None:
    path = METRICS / f"{name}.tsv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"step\t{name.rsplit('/', 1)[-1]}"] + [f"{step}\t{value!r}" for step, value in rows]
    path.write_text("\n".join(lines) + "\n" + tail)


def _summary(step: int | None, **values: object) -> None:
    content: dict[str, object] = dict(values)
    if step is not None:
        content["step"] = step
    Path("dvclive/metrics.json").write_text(json.dumps(content))


def _all_steps() -> dict[str, list[int]]:
    return {
        path.relative_to(METRICS).with_suffix("").as_posix(): _steps(str(path))
        for path in sorted(METRICS.rglob("*.tsv"))
    }


def _resume() -> Live:
    return Live(resume=True, save_dvc_exp=False, dvcyaml=False)


def test_a_step_torn_between_files_is_dropped_from_every_file(tmp_dir: Path) -> None:
    _write_tsv("a", [(s, s + 0.5) for s in range(4)])
    _write_tsv("b", [(s, s + 0.25) for s in range(4)])
    _write_tsv("c", [(s, s + 0.75) for s in range(3)])  # killed before its row of step 3
    _summary(1, a=1.5, b=1.25, c=1.75)  # written a quarter second earlier
    live = _resume()
    assert _all_steps() == {"a": [0, 1, 2], "b": [0, 1, 2], "c": [0, 1, 2]}
    assert live.step == 3
    expected = {"a": 2.5, "b": 2.25, "c": 2.75, "step": 2}
    assert live.summary == expected
    assert json.loads(Path("dvclive/metrics.json").read_text()) == expected  # on disk too
    live.log_metric("a", 9.0)
    live.next_step()
    live.end()
    assert _steps("dvclive/plots/metrics/a.tsv") == [0, 1, 2, 3]


def test_a_step_every_file_got_is_kept_and_summarised(tmp_dir: Path) -> None:
    for name in ("a", "b"):
        _write_tsv(name, [(s, s * 2.0) for s in range(5)])
    _summary(2, a=4.0, b=4.0)
    live = _resume()
    assert _all_steps() == {"a": [0, 1, 2, 3, 4], "b": [0, 1, 2, 3, 4]}
    assert live.summary == {"a": 8.0, "b": 8.0, "step": 4}
    assert live.step == 5


def test_a_partial_last_line_is_cut_and_its_step_dropped_everywhere(tmp_dir: Path) -> None:
    _write_tsv("a", [(s, 1.0) for s in range(3)], tail="3\t0.12")  # half a row, no newline
    _write_tsv("b", [(s, 2.0) for s in range(4)])
    _summary(1, a=1.0, b=2.0)
    live = _resume()
    assert Path("dvclive/plots/metrics/a.tsv").read_text().endswith("2\t1.0\n")
    assert _all_steps() == {"a": [0, 1, 2], "b": [0, 1, 2]}
    assert live.step == 3


def test_a_partial_line_is_cut_even_after_a_clean_end(tmp_dir: Path) -> None:
    _write_tsv("a", [(0, 1.0), (1, 2.0)], tail="2\t3")
    _summary(1, a=2.0)
    live = _resume()
    assert _all_steps() == {"a": [0, 1]}
    assert live.step == 2


def test_a_torn_first_step_leaves_no_file_behind(tmp_dir: Path) -> None:
    _write_tsv("a", [(0, 1.0)])
    _write_tsv("b", [])  # its header came first, its row never
    (METRICS / "c.tsv").write_text("step\tc")  # not even a whole header
    live = _resume()
    assert _all_steps() == {}
    assert live.step == 0
    assert live.summary == {}


def test_a_metric_logged_every_other_step_does_not_make_a_step_torn(tmp_dir: Path) -> None:
    _write_tsv("train", [(s, s + 1.0) for s in range(6)])
    _write_tsv("eval", [(s, s + 2.0) for s in range(0, 6, 2)])  # 0, 2, 4
    _summary(3, train=4.0, eval=4.0)
    live = _resume()
    assert _all_steps() == {"eval": [0, 2, 4], "train": [0, 1, 2, 3, 4, 5]}
    assert live.step == 6


def test_a_metric_logged_many_times_a_step_is_cut_whole(tmp_dir: Path) -> None:
    _write_tsv("a", [(s, s + 1.0) for s in (0, 0, 1, 1, 2, 2)])
    _write_tsv("b", [(s, s + 2.0) for s in (0, 1)])
    _summary(0, a=1.0, b=2.0)
    live = _resume()
    assert _all_steps() == {"a": [0, 0, 1, 1], "b": [0, 1]}
    assert live.step == 2


def test_system_rows_of_a_step_that_never_ended_are_dropped(tmp_dir: Path) -> None:
    _write_tsv("loss", [(s, 1.0) for s in range(3)])
    path = METRICS / "system" / "cpu.tsv"
    path.parent.mkdir(parents=True)
    path.write_text("timestamp\tstep\tcpu\n1\t0\t5.0\n2\t1\t5.0\n3\t2\t5.0\n4\t3\t6.0\n")
    _summary(1, loss=1.0, system={"cpu": 5.0})
    live = _resume()
    assert path.read_text().endswith("3\t2\t5.0\n")
    assert live.summary == {"loss": 1.0, "system": {"cpu": 5.0}, "step": 2}


def test_killed_runs_resume_with_unique_contiguous_steps(tmp_path: Path) -> None:
    """SIGKILL a process logging many metrics per step at random moments, then resume."""
    script = tmp_path / "train.py"
    script.write_text(_TRAINING)
    rng = random.Random(7)
    for trial in range(20):
        folder = tmp_path / f"run{trial}"
        folder.mkdir()
        child = subprocess.Popen(
            [sys.executable, str(script)],
            cwd=folder,
            stdout=subprocess.PIPE,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        )
        assert child.stdout is not None and child.stdout.readline() == b"ready\n"
        time.sleep(rng.uniform(0.0, 0.05))
        child.send_signal(signal.SIGKILL)
        child.wait()
        _check_resumes(folder)


_NAMES = [f"group{i % 3}/m{i}" for i in range(40)]

_TRAINING = f"""
import sys
from live_nb import Live

live = Live(save_dvc_exp=False, dvcyaml=False)
print("ready", flush=True)
step = 0
while True:
    for index, name in enumerate({_NAMES!r}):
        live.log_metric(name, step * 1000 + index)
    live.next_step()
    step += 1
"""


def _check_resumes(folder: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        live = _resume()
        steps = _all_steps()
        last = live.step - 1
        assert sorted(steps) == sorted(_NAMES) or steps == {}, sorted(steps)
        for name, found in steps.items():
            assert found == list(range(last + 1)), name
        summary = json.loads(Path("dvclive/metrics.json").read_text()) if steps else {}
        for index, name in enumerate(_NAMES if steps else []):
            group, metric = name.split("/")
            assert summary[group][metric] == last * 1000 + index
        assert summary.get("step", -1) == last
        for index, name in enumerate(_NAMES):
            live.log_metric(name, index)
        live.next_step()
        live.end()
        for name, found in _all_steps().items():
            assert found == list(range(last + 2)), name


@pytest.mark.oracle
def test_dvc_reads_the_repaired_files(git_repo: Path, dvc: str) -> None:
    subprocess.run([dvc, "init", "-q"], cwd=git_repo, check=True)
    _write_tsv("train/loss", [(s, 1 / (s + 1)) for s in range(4)], tail="4\t0.2")
    _write_tsv("train/acc", [(s, s / 10) for s in range(5)])
    _summary(2, train={"loss": 1 / 3, "acc": 0.2})
    with Live(resume=True, save_dvc_exp=False) as live:
        live.log_metric("train/loss", 0.125)
        live.log_metric("train/acc", 0.5)
        live.next_step()
    result = subprocess.run(
        [dvc, "plots", "show", "--json"], check=True, capture_output=True, text=True
    )
    shown = json.loads(result.stdout)
    assert "errors" not in shown
    for name in ("loss", "acc"):
        rows = shown["data"][f"dvclive/plots/metrics/train/{name}.tsv"][0]["content"]["data"]
        assert [int(row["step"]) for row in rows["values"]] == [0, 1, 2, 3, 4]
    metrics = subprocess.run(
        [dvc, "metrics", "show", "--json"], check=True, capture_output=True, text=True
    )
    data = json.loads(metrics.stdout)[""]["data"]["dvclive/metrics.json"]["data"]
    assert data == {"train": {"loss": 0.125, "acc": 0.5}, "step": 4}
