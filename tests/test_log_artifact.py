from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from live_nb import Live, LiveNbWarning
from tests.conftest import git


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def _dvcyaml() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(Path("dvc.yaml").read_text())
    return loaded


def test_a_file_is_cached_as_dvc_add_caches_it(git_repo: Path) -> None:
    model = git_repo / "model.pkl"
    model.write_bytes(b"weights" * 100)

    with Live() as live:
        live.log_artifact("model.pkl")

    digest = _md5(model)
    assert (git_repo / "model.pkl.dvc").read_text() == (
        f"outs:\n- md5: {digest}\n  size: 700\n  hash: md5\n  path: model.pkl\n"
    )
    assert (git_repo / ".gitignore").read_text() == "/model.pkl\n"
    cached = git_repo / ".dvc" / "cache" / "files" / "md5" / digest[:2] / digest[2:]
    assert cached.read_bytes() == model.read_bytes()
    assert "artifacts" not in _dvcyaml()
    assert git(git_repo, "diff", "--cached", "--name-only") == ""


def test_metadata_goes_to_the_artifacts_section(git_repo: Path) -> None:
    Path("models").mkdir()
    Path("models/clf.npy").write_bytes(b"\x00" * 10)

    with Live() as live:
        live.log_artifact(
            "models/clf.npy",
            type="model",
            desc="a classifier",
            labels=["cv", "small"],
            meta={"acc": 0.9},
        )
        live.log_artifact("models/clf.npy", name="second-name", cache=False)

    assert _dvcyaml()["artifacts"] == {
        "clf": {
            "path": "models/clf.npy",
            "type": "model",
            "desc": "a classifier",
            "labels": ["cv", "small"],
            "meta": {"acc": 0.9},
        },
        "second-name": {"path": "models/clf.npy"},
    }
    assert list(_dvcyaml()["artifacts"]["clf"]) == ["path", "type", "desc", "labels", "meta"]


def test_copy_puts_the_artifact_in_the_live_directory(
    git_repo: Path, tmp_path_factory: Any
) -> None:
    outside = tmp_path_factory.mktemp("elsewhere") / "weights.bin"
    outside.write_bytes(b"abc")

    with Live() as live:
        live.log_artifact(outside, copy=True, type="model")

    copied = git_repo / "dvclive" / "artifacts" / "weights.bin"
    assert copied.read_bytes() == b"abc"
    assert (git_repo / "dvclive/artifacts/weights.bin.dvc").exists()
    assert (git_repo / "dvclive/artifacts/.gitignore").read_text() == "/weights.bin\n"
    assert _dvcyaml()["artifacts"]["weights"]["path"] == "dvclive/artifacts/weights.bin"


def test_a_folder_is_cached_with_its_manifest(git_repo: Path) -> None:
    Path("data/sub").mkdir(parents=True)
    Path("data/a.txt").write_text("a")
    Path("data/sub/b.txt").write_text("bb")

    with Live() as live:
        live.log_artifact("data")

    dvc_file = yaml.safe_load(Path("data.dvc").read_text())
    assert dvc_file["outs"][0]["md5"].endswith(".dir")
    assert dvc_file["outs"][0]["nfiles"] == 2
    assert dvc_file["outs"][0]["size"] == 3


def test_works_outside_any_git_repository(tmp_dir: Path) -> None:
    Path("model.pkl").write_bytes(b"m")

    with Live() as live:
        live.log_artifact("model.pkl")

    assert Path("model.pkl.dvc").exists()
    assert Path(".dvc/config").read_text() == "[core]\n    no_scm = True\n"


def test_cache_images_tracks_the_images_folder(git_repo: Path) -> None:
    with Live(cache_images=True) as live:
        live.log_image("a.png", np.zeros((2, 2), dtype=np.uint8))

    assert Path("dvclive/plots/images.dvc").exists()
    assert Path("dvclive/plots/.gitignore").read_text() == "/images\n"


def test_an_invalid_artifact_name_warns_and_is_left_out(git_repo: Path) -> None:
    Path("m.pkl").write_bytes(b"m")
    with Live() as live, pytest.warns(LiveNbWarning, match="artifact name"):
        live.log_artifact("m.pkl", name="not valid!", cache=False)

    assert "artifacts" not in _dvcyaml()


def test_a_missing_path_warns_and_the_script_goes_on(git_repo: Path) -> None:
    """As DVCLive: a migrated script must not end at a model it has not written yet."""
    live = Live()
    with pytest.warns(LiveNbWarning, match="no such file"):
        live.log_artifact("nope.pkl", type="model", name="nope")
    live.end()
    assert not Path(".dvc").exists()
    assert not Path("nope.pkl.dvc").exists()
    assert _dvcyaml()["artifacts"] == {"nope": {"path": "nope.pkl", "type": "model"}}


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore::FutureWarning", "ignore::DeprecationWarning")
def test_same_files_as_dvclive_in_a_dvc_repository(
    tmp_path: Path, dvc: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    dvclive = pytest.importorskip("dvclive")

    def run(live_class: Any, where: Path) -> dict[str, bytes]:
        where.mkdir()
        git(where, "init", "-q")
        subprocess.run([dvc, "init", "-q"], cwd=where, check=True)
        git(where, "commit", "-q", "-m", "init")
        (where / "model.pkl").write_bytes(b"model bytes")
        (where / "data").mkdir()
        (where / "data" / "x.csv").write_text("a,b\n1,2\n")
        with monkeypatch.context() as patch:
            patch.chdir(where)
            with live_class(save_dvc_exp=False) as live:
                live.log_artifact("model.pkl", type="model", desc="d", labels=["l"])
                live.log_artifact("data", copy=True, meta={"rows": 1})
                live.log_metric("m", 1)
        return {
            path.relative_to(where).as_posix(): path.read_bytes()
            for path in sorted(where.rglob("*"))
            if path.is_file() and path.relative_to(where).parts[0] not in (".git", ".dvc")
        }

    expected = run(dvclive.Live, tmp_path / "dvclive_run")
    actual = run(Live, tmp_path / "live_nb_run")
    assert sorted(actual) == sorted(expected)
    for path, content in expected.items():
        assert actual[path].decode() == content.decode(), path


def test_everything_works_in_a_repository_without_commits(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    Path("model.pkl").write_bytes(b"m")

    with Live() as live:
        live.log_param("p", 1)
        live.log_metric("m", 1)
        live.next_step()
        live.log_artifact("model.pkl", type="model")

    assert Path("dvclive/metrics.json").exists()
    assert Path("model.pkl.dvc").exists()
    assert _dvcyaml()["artifacts"]["model"]["path"] == "model.pkl"
    assert git(tmp_dir, "status", "--porcelain").splitlines() == [
        "?? .dvc/",
        "?? .dvcignore",
        "?? .gitignore",
        "?? dvc.yaml",
        "?? dvclive/",
        "?? model.pkl.dvc",
    ]
