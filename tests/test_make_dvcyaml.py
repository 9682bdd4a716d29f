from __future__ import annotations

import os
from pathlib import Path

import pytest
import yaml

from live_nb import Live
from live_nb.error import DvcyamlConflictError

USERS_DVCYAML = """\
# Pipeline of the project: keep these comments
stages:
  train:
    cmd: python train.py  # the trainer
    deps:
    - train.py

# metrics of another tool
metrics:
- other/metrics.json
"""


def test_a_fresh_dvcyaml_lists_every_output(tmp_dir: Path) -> None:
    import numpy as np

    with Live() as live:
        live.log_param("p", 1)
        live.log_metric("m", 1)
        live.log_image("i.png", np.zeros((2, 2), dtype=np.uint8))
        live.log_plot("c", [{"a": 1, "b": 2}], x="a", y="b")
        live.next_step()

    assert Path("dvc.yaml").read_text() == (
        "params:\n- dvclive/params.yaml\n"
        "metrics:\n- dvclive/metrics.json\n"
        "plots:\n- dvclive/plots/metrics:\n    x: step\n- dvclive/plots/images\n"
        "- dvclive/plots/custom/c.json:\n    template: linear\n    x: a\n    y: b\n"
    )


def test_the_users_stages_and_comments_are_kept(tmp_dir: Path) -> None:
    Path("dvc.yaml").write_text(USERS_DVCYAML)

    with Live() as live:
        live.log_metric("m", 1)
        live.next_step()

    text = Path("dvc.yaml").read_text()
    assert text.startswith(USERS_DVCYAML.split("# metrics")[0])
    assert "# metrics of another tool\n" in text
    assert yaml.safe_load(text) == {
        "stages": {"train": {"cmd": "python train.py", "deps": ["train.py"]}},
        "metrics": ["other/metrics.json", "dvclive/metrics.json"],
        "plots": [{"dvclive/plots/metrics": {"x": "step"}}],
    }


def test_a_second_run_replaces_its_own_entries_only(tmp_dir: Path) -> None:
    Path("dvc.yaml").write_text(USERS_DVCYAML)
    with Live() as live:
        live.log_param("p", 1)
        live.log_plot("old", [{"a": 1, "b": 2}], x="a", y="b")
    with Live() as live:
        live.log_metric("m", 1)

    config = yaml.safe_load(Path("dvc.yaml").read_text())
    assert "params" not in config
    assert config["metrics"] == ["other/metrics.json", "dvclive/metrics.json"]
    assert config["plots"] == [{"dvclive/plots/metrics": {"x": "step"}}]


def test_paths_are_relative_to_a_dvcyaml_elsewhere(tmp_dir: Path) -> None:
    os.makedirs("pipelines/exp")
    with Live("results/run", dvcyaml="pipelines/exp/dvc.yaml") as live:
        live.log_metric("m", 1)

    config = yaml.safe_load(Path("pipelines/exp/dvc.yaml").read_text())
    assert config["metrics"] == ["../../results/run/metrics.json"]


def test_dvcyaml_false_writes_none_by_itself(tmp_dir: Path) -> None:
    with Live(dvcyaml=False) as live:
        live.log_metric("m", 1)
        live.next_step()
    assert not Path("dvc.yaml").exists()


def test_make_dvcyaml_writes_even_with_dvcyaml_false_as_dvclive_does(tmp_dir: Path) -> None:
    with Live(dvcyaml=False) as live:
        live.log_metric("m", 1)
        live.make_dvcyaml()
    assert yaml.safe_load(Path("dvc.yaml").read_text())["metrics"] == ["dvclive/metrics.json"]


def test_a_broken_dvcyaml_is_reported_and_left_alone(tmp_dir: Path) -> None:
    Path("dvc.yaml").write_text("stages: [unclosed\n")
    live = Live()
    live.log_metric("m", 1)
    with pytest.raises(DvcyamlConflictError, match="dvcyaml=False"):
        live.make_dvcyaml()
    assert Path("dvc.yaml").read_text() == "stages: [unclosed\n"


def test_a_dvcyaml_that_is_not_a_mapping_is_reported(tmp_dir: Path) -> None:
    Path("dvc.yaml").write_text("- just\n- a list\n")
    live = Live()
    live.log_metric("m", 1)
    with pytest.raises(DvcyamlConflictError, match="not a mapping"):
        live.make_dvcyaml()


def test_a_broken_dvcyaml_never_stops_training(tmp_dir: Path) -> None:
    from live_nb import LiveNbWarning

    Path("dvc.yaml").write_text("stages: [unclosed\n")
    with (
        pytest.warns(LiveNbWarning, match="dvcyaml=False") as caught,
        Live(save_dvc_exp=False) as live,
    ):
        for step in range(3):
            live.log_metric("m", step)
            live.next_step()

    assert len([w for w in caught if issubclass(w.category, LiveNbWarning)]) == 1
    assert Path("dvclive/metrics.json").read_text().count('"step": 2') == 1
    assert Path("dvc.yaml").read_text() == "stages: [unclosed\n"


def test_comments_on_the_users_own_entries_survive_every_run(tmp_dir: Path) -> None:
    users = (
        "metrics:\n  - mine.json   # the user's metric\n  # a note between items\n"
        "  - other.json\n\nplots:\n- mine.csv  # my plot\n"
    )
    Path("dvc.yaml").write_text(users)
    for _ in range(2):
        with Live() as live:
            live.log_metric("m", 1)
            live.next_step()
    text = Path("dvc.yaml").read_text()
    for line in users.splitlines():
        assert line in text.splitlines(), line
    config = yaml.safe_load(text)
    assert config["metrics"] == ["mine.json", "other.json", "dvclive/metrics.json"]
    assert config["plots"] == ["mine.csv", {"dvclive/plots/metrics": {"x": "step"}}]
