"""resume=True continues where the previous run stopped, whatever it left behind."""

from __future__ import annotations

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
