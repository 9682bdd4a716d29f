"""A new run clears what the previous run of Live wrote, and nothing of the user's."""

from __future__ import annotations

from pathlib import Path

import yaml

from live_nb import Live

STAGES = "stages:\n  train:\n    cmd: python train.py\n    params:\n    - lr\n"


def test_live_in_the_project_folder_keeps_the_users_stages_and_params(tmp_dir: Path) -> None:
    Path("dvc.yaml").write_text(STAGES)
    Path("params.yaml").write_text("lr: 0.1\nepochs: 3\n")
    for run in range(2):
        with Live(dir=".", save_dvc_exp=False) as live:
            live.log_param("seed", run)
            live.log_metric("loss", 1.0)
            live.next_step()
    config = yaml.safe_load(Path("dvc.yaml").read_text())
    assert config["stages"]["train"]["cmd"] == "python train.py"
    assert config["metrics"] == ["metrics.json"]
    assert yaml.safe_load(Path("params.yaml").read_text()) == {"lr": 0.1, "epochs": 3, "seed": 1}


def test_a_dvc_yaml_that_live_wrote_in_its_folder_is_cleared_as_dvclive_does(
    tmp_dir: Path,
) -> None:
    with Live(dvcyaml="dvclive/dvc.yaml", save_dvc_exp=False) as live:
        live.log_plot("old", [{"x": 1, "y": 2}], x="x", y="y")
    with Live(dvcyaml="dvclive/dvc.yaml", save_dvc_exp=False) as live:
        live.log_metric("m", 1.0)
    assert "old" not in Path("dvclive/dvc.yaml").read_text()
    assert not Path("dvclive/plots/custom/old.json").exists()
    assert not Path("dvclive/params.yaml").exists()
