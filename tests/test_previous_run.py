"""A new run clears what the previous run of Live wrote, and nothing of the user's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from live_nb import Live, LiveNbWarning

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


def _user_files(root: Path) -> dict[str, str]:
    """Files a project commonly has where Live writes, none of them made by Live."""
    files = {
        "static/css/site.css": "body {}\n",
        "static/index.html": "<html></html>\n",
        "plots/images/figure.png": "not really a png\n",
        "plots/custom/mine.json": "{}\n",
        "plots/sklearn/mine.json": "{}\n",
        "plots/metrics/notes.tsv": "a\tb\n1\t2\n",
        "report.html": "<h1>mine</h1>\n",
        "report.md": "# notes\n",
        "metrics.json": '{"accuracy": 0.9}\n',
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return files


def _run(folder: str, metrics: tuple[str, ...] = ("loss",), **options: object) -> None:
    with Live(dir=folder, save_dvc_exp=False, **options) as live:  # type: ignore[arg-type]
        for name in metrics:
            live.log_metric(name, 1.0)
        live.next_step()


def test_a_first_run_in_the_project_folder_removes_none_of_the_users_files(
    git_repo: Path,
) -> None:
    files = _user_files(git_repo)
    _run(".")
    for name, text in files.items():
        if name != "metrics.json":  # Live's summary is written there, as DVCLive's is
            assert (git_repo / name).read_text() == text, name
    assert Path("plots/metrics/loss.tsv").is_file()


def test_a_first_run_in_its_own_folder_removes_none_of_the_users_files(git_repo: Path) -> None:
    (git_repo / "out").mkdir()
    files = _user_files(git_repo / "out")
    (git_repo / "out" / "params.yaml").write_text("mine: 1\n")
    with Live(dir="out", save_dvc_exp=False) as live:
        live.log_param("lr", 0.1)
    for name, text in files.items():
        if name != "metrics.json":
            assert (git_repo / "out" / name).read_text() == text, name
    assert yaml.safe_load((git_repo / "out" / "params.yaml").read_text()) == {"mine": 1, "lr": 0.1}


def test_the_next_run_removes_what_the_previous_run_wrote_and_nothing_else(
    git_repo: Path,
) -> None:
    with Live(dir=".", save_dvc_exp=False, report="md") as live:
        live.log_metric("train/loss", 1.0)
        live.log_metric("gone", 2.0)
        live.log_plot("curve", [{"x": 1, "y": 2}], x="x", y="y")
        live.next_step()
    assert any(Path("static").iterdir()), "report.md draws its charts into static/"
    Path("static/site.css").write_text("body {}\n")
    Path("plots/images").mkdir(parents=True, exist_ok=True)
    Path("plots/images/added-later.png").write_text("mine\n")

    _run(".", metrics=("train/loss",))

    assert Path("plots/metrics/train/loss.tsv").is_file()
    assert not Path("plots/metrics/gone.tsv").exists()
    assert not Path("plots/custom/curve.json").exists()
    assert not Path("report.md").exists()
    assert [p.name for p in Path("static").iterdir()] == ["site.css"]
    assert Path("plots/images/added-later.png").read_text() == "mine\n"


def test_without_a_record_a_folder_that_held_a_run_is_cleared_as_dvclive_does(
    tmp_dir: Path,
) -> None:
    """Outside Git there is no record: DVCLive's metric files are the evidence of a run."""
    with Live(save_dvc_exp=False, dvcyaml=False) as live:
        live.log_metric("gone", 1.0)
        live.log_image("picture.png", _tiny_image())
        live.next_step()
    _run("dvclive", dvcyaml=False)
    assert not Path("dvclive/plots/metrics/gone.tsv").exists()
    assert not Path("dvclive/plots/images/picture.png").exists()
    assert Path("dvclive/plots/metrics/loss.tsv").is_file()


def test_a_hostile_record_removes_nothing_outside_the_folder(git_repo: Path) -> None:
    import json

    _run("out")
    (git_repo / "outside.txt").write_text("keep me\n")
    (git_repo / "out" / "plots" / "images").mkdir(parents=True)
    target = git_repo / "elsewhere"
    target.mkdir()
    (target / "x.png").write_text("keep me too\n")
    (git_repo / "out" / "plots" / "custom").symlink_to(target, target_is_directory=True)
    [record] = (git_repo / ".git" / "live_nb" / "written").glob("*.json")
    content = json.loads(record.read_text())
    content["files"] += ["../outside.txt", "/etc/hostname", "plots/custom/x.png"]
    record.write_text(json.dumps(content))

    Live(dir="out", save_dvc_exp=False).end()

    assert (git_repo / "outside.txt").read_text() == "keep me\n"
    assert (target / "x.png").read_text() == "keep me too\n"


def _tiny_image() -> object:
    from PIL import Image

    return Image.new("RGB", (2, 2))


def test_a_metric_file_found_in_the_way_is_replaced_with_a_warning_not_appended_to(
    git_repo: Path,
) -> None:
    Path("plots/metrics").mkdir(parents=True)
    Path("plots/metrics/loss.tsv").write_text("step\tacc\n0\t0.5\n")
    with pytest.warns(LiveNbWarning, match="not written by a previous run"):
        _run(".")
    assert Path("plots/metrics/loss.tsv").read_text() == "step\tloss\n0\t1.0\n"


def test_a_file_name_that_is_not_utf8_is_recorded_and_removed_next_time(git_repo: Path) -> None:
    import os

    with Live(dir="out", save_dvc_exp=False) as live:
        live.log_metric("m", 1.0)
        live.next_step()
        odd = os.path.join(os.fsencode(git_repo / "out" / "plots" / "images"), b"\xff.png")
        os.makedirs(os.path.dirname(odd), exist_ok=True)
        with open(odd, "wb") as handle:
            handle.write(b"x")
    assert os.path.exists(odd)
    _run("out", metrics=("m",))
    assert not os.path.exists(odd)
