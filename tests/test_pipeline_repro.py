"""live-nb status and repro against the real dvc on the same projects."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from live_nb.cli import main
from tests.conftest import git, run_dvc

PARAMS = "train:\n  lr: 0.1\n  n: 3\nseed: 1\nmodels:\n  us: {thresh: 10}\n  gb: {thresh: 15}\n"
DVCYAML = """\
stages:
  prepare:
    cmd: cat in.txt > prepared.txt && mkdir -p feats && cp in.txt feats/a
    deps: [in.txt, raw]
    params: [train.lr, seed]
    outs: [prepared.txt, feats]
  build:
    foreach: ${models}
    do:
      cmd: echo ${item.thresh} > model-${key}.txt && cat prepared.txt >> model-${key}.txt
      deps: [prepared.txt]
      outs: [model-${key}.txt]
  report:
    cmd:
      - echo start > report.json
      - echo '{"ok":1}' > report.json
    deps: [model-us.txt, model-gb.txt]
    params:
      - params.yaml:
    metrics:
      - report.json:
          cache: false
  nested:
    wdir: sub
    cmd: cat ../prepared.txt > here.txt
    deps: [../prepared.txt]
    outs: [here.txt]
  state:
    cmd: date +%N >> state.log
    deps: [in.txt]
    outs:
      - state.log:
          persist: true
"""


@pytest.fixture
def project(tmp_path: Path, dvc: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    run_dvc(dvc, root, "init", "-q")
    (root / "params.yaml").write_text(PARAMS)
    (root / "in.txt").write_text("a\n")
    (root / "raw").mkdir()
    (root / "raw" / "x.csv").write_text("1,2\n")
    (root / "sub").mkdir()
    (root / "dvc.yaml").write_text(DVCYAML.replace("[model-${key}.txt]", "['model-${key}.txt']"))
    monkeypatch.setenv("DVC_NO_ANALYTICS", "1")
    return root


def _ours(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    capsys.readouterr()
    assert main(["-C", str(root), *args]) == 0
    return capsys.readouterr().out


def _status(root: Path, capsys: pytest.CaptureFixture[str]) -> object:
    return json.loads(_ours(root, capsys, "status", "--json"))


def _dvc_status(dvc: str, root: Path) -> object:
    return json.loads(run_dvc(dvc, root, "status", "--json"))


def _ran(text: str) -> list[str]:
    return re.findall(r"^Running stage '(.+)':$", text, flags=re.M)


def test_status_agrees_with_dvc_status(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _status(project, capsys) == _dvc_status(dvc, project)  # never run
    run_dvc(dvc, project, "repro", "-q")
    assert _status(project, capsys) == {} == _dvc_status(dvc, project)
    assert "up to date" in _ours(project, capsys, "status")
    (project / "raw" / "y.csv").write_text("3,4\n")
    assert _status(project, capsys) == _dvc_status(dvc, project)
    (project / "params.yaml").write_text(PARAMS.replace("lr: 0.1", "lr: 0.2"))
    (project / "model-us.txt").unlink()
    assert _status(project, capsys) == _dvc_status(dvc, project)
    (project / "dvc.yaml").write_text(
        (project / "dvc.yaml").read_text().replace("date +%N", "date +%s%N")
    )
    expected = _dvc_status(dvc, project)
    assert _status(project, capsys) == expected
    assert "changed command" in expected["state"]  # type: ignore[index]
    assert _ours(project, capsys, "status").rstrip("\n") == run_dvc(dvc, project, "status").rstrip(
        "\n"
    )


def test_repro_leaves_what_dvc_repro_leaves(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    ran = _ran(_ours(project, capsys, "repro"))
    assert ran == ["prepare", "build@us", "build@gb", "report", "nested", "state"]
    assert _dvc_status(dvc, project) == {}
    ours = (project / "dvc.lock").read_text()
    assert "Stage 'prepare' didn't change" in _ours(project, capsys, "repro")
    cached = project / ".dvc" / "cache" / "files" / "md5"
    assert len(list(cached.glob("*/*"))) >= 4
    assert "/prepared.txt" in (project / ".gitignore").read_text().splitlines()
    state = (project / "state.log").read_text()
    (project / "dvc.lock").unlink()
    run_dvc(dvc, project, "repro", "-q")
    theirs = (project / "dvc.lock").read_text()
    # Byte for byte, but for the persisted log, which dvc appended to.
    assert _without_state(ours) == _without_state(theirs)
    assert ours.index("  state:") == theirs.index("  state:")
    assert (project / "state.log").read_text().startswith(state)  # persist kept it


def _without_state(lock: str) -> str:
    return lock[: lock.index("  state:")]


def test_a_changed_dependency_reruns_the_same_stages(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dvc(dvc, project, "repro", "-q")
    (project / "in.txt").write_text("b\n")
    for flags in ([], ["build@us"], ["-s", "build@us"], ["--downstream", "build@us"], ["-f"]):
        dry = _ran(run_dvc(dvc, project, "repro", "--dry", *flags))
        assert _ran(_ours(project, capsys, "repro", "--dry", *flags)) == dry, flags
    assert _ran(_ours(project, capsys, "repro")) == [
        "prepare",
        "build@us",
        "build@gb",
        "report",
        "nested",
        "state",
    ]
    assert _dvc_status(dvc, project) == {}
    assert _status(project, capsys) == {}


def test_a_failing_stage_is_one_message(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (project / "dvc.yaml").write_text("stages:\n  bad:\n    cmd: exit 3\n")
    capsys.readouterr()
    assert main(["-C", str(project), "repro"]) == 1
    error = capsys.readouterr().err
    assert "stage 'bad'" in error and "status 3" in error
    assert len(error.strip().splitlines()) == 1


def test_run_cache_entries_are_shared_both_ways(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dvc(dvc, project, "repro", "-q")
    (project / "in.txt").write_text("b\n")
    run_dvc(dvc, project, "repro", "-q")
    (project / "in.txt").write_text("a\n")
    said = _ours(project, capsys, "repro")
    assert "Stage 'prepare' is cached - skipping run, checking out outputs" in said
    assert (project / "prepared.txt").read_text() == "a\n"
    assert _ran(said) == ["state"]  # persist: true keeps it out of the run-cache
    assert _dvc_status(dvc, project) == {}
    # And the other way: entries live-nb writes are used by dvc.
    (project / "raw" / "z.csv").write_text("new\n")
    _ours(project, capsys, "repro")
    (project / "raw" / "z.csv").unlink()
    _ours(project, capsys, "repro")
    (project / "raw" / "z.csv").write_text("new\n")  # inputs only live-nb has run
    said = run_dvc(dvc, project, "repro")
    assert "Stage 'prepare' is cached - skipping run" in said
    assert _status(project, capsys) == {}


def test_a_frozen_stage_is_verified_not_run(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (project / "dvc.yaml").read_text()
    (project / "dvc.yaml").write_text(
        text.replace("    deps: [in.txt]\n", "    deps: [in.txt]\n    frozen: true\n")
    )
    (project / "state.log").write_text("kept\n")
    said = _ours(project, capsys, "repro", "state")
    assert "Verifying outputs in frozen stage: 'state'" in said
    assert (project / "state.log").read_text() == "kept\n"
    assert _dvc_status(dvc, project) == _status(project, capsys)


def test_hashes_are_remembered_by_inode_size_and_mtime_as_dvc_does(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _ours(project, capsys, "repro")
    assert _status(project, capsys) == {}
    assert (project / ".dvc" / "tmp" / "live-nb-hashes.json").is_file()
    source = project / "in.txt"
    stamp = source.stat()
    with open(source, "r+") as same_inode:
        same_inode.write("z\n")  # same size, then the same mtime again
    os.utime(source, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert _status(project, capsys) == {}  # trusted, as DVC's state database trusts it
    source.touch()
    assert "prepare" in _status(project, capsys)  # type: ignore[operator]
    assert "prepare" in _dvc_status(dvc, project)  # type: ignore[operator]


def test_unknown_targets_and_a_missing_dvcyaml_are_one_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["-C", str(project), "repro", "nope"]) == 1
    assert "no stage named 'nope'" in capsys.readouterr().err
    (project / "dvc.yaml").unlink()
    assert main(["-C", str(project), "status"]) == 1
    error = capsys.readouterr().err
    assert error.startswith("live-nb: error: dvc.yaml: no such file") and error.count("\n") == 1


def test_a_frozen_stage_cuts_its_upstream_as_in_dvc(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run_dvc(dvc, project, "repro", "-q")
    text = (project / "dvc.yaml").read_text()
    (project / "dvc.yaml").write_text(
        text.replace("    deps: [model-us.txt", "    frozen: true\n    deps: [model-us.txt")
    )
    (project / "in.txt").write_text("changed\n")
    dry = _ran(run_dvc(dvc, project, "repro", "--dry", "report"))
    assert _ran(_ours(project, capsys, "repro", "--dry", "report")) == dry


def test_executable_files_are_marked_in_the_lock_as_dvc_marks_them(
    project: Path, dvc: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (project / "in.txt").chmod(0o755)
    (project / "dvc.yaml").write_text(
        "stages:\n  x:\n    cmd: cp in.txt run.sh && chmod +x run.sh\n"
        "    deps: [in.txt]\n    outs: [run.sh]\n"
    )
    _ours(project, capsys, "repro")
    ours = (project / "dvc.lock").read_text()
    assert ours.count("isexec: true") == 2
    (project / "dvc.lock").unlink()
    run_dvc(dvc, project, "repro", "-q", "-f")
    assert (project / "dvc.lock").read_text() == ours
