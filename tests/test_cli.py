"""``live-nb exp ...`` end to end: ``python -m live_nb`` in a subprocess, and ``main()``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from live_nb import __version__
from live_nb.cli import main
from live_nb.experiments import manage, save
from tests.conftest import git


def live_nb(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "live_nb", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "ignore::DeprecationWarning"},
    )


def one_error_line(done: subprocess.CompletedProcess[str] | tuple[int, str], start: str) -> None:
    """Exactly one line on stderr, ``live-nb: error: <start>...``, no traceback."""
    stderr = done.stderr if isinstance(done, subprocess.CompletedProcess) else done[1]
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith(f"live-nb: error: {start}"), lines[0]
    assert "Traceback" not in stderr


def exps(repo: Path) -> dict[str, str]:
    output = git(repo, "for-each-ref", "--format=%(refname) %(objectname)", "refs/exps")
    return {
        ref.rsplit("/", 1)[1]: sha for ref, sha in (line.split(" ") for line in output.splitlines())
    }


@pytest.fixture
def repo(git_repo: Path) -> Path:
    """Two experiments on HEAD: "low" (lr 0.01) and "high" (lr 0.5), a clean workspace."""
    Path("dvc.yaml").write_text("params:\n- params.yaml\nmetrics:\n- metrics.json\n")
    Path("params.yaml").write_text("lr: 0.1\n")
    Path("metrics.json").write_text('{"loss": 0.5}\n')
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-q", "-m", "baseline")
    for name, lr, loss in (("low", 0.01, 0.3), ("high", 0.5, 0.9)):
        Path("params.yaml").write_text(f"lr: {lr}\n")
        Path("metrics.json").write_text(json.dumps({"loss": loss}) + "\n")
        save(name=name)
    git(git_repo, "checkout", "--", ".")
    return git_repo


# --------------------------------------------------------------------------- the command


def test_version_and_help() -> None:
    done = live_nb("--version")
    assert (done.returncode, done.stdout.strip()) == (0, f"live-nb {__version__}")
    done = live_nb("exp", "--help")
    assert done.returncode == 0
    for command in ("show", "diff", "apply", "branch", "remove", "list", "push", "pull"):
        assert command in done.stdout


@pytest.mark.parametrize(
    "args",
    [[], ["exp"], ["exp", "bogus"], ["exp", "remove"], ["exp", "show", "-n", "many"], ["--bad"]],
)
def test_usage_errors_exit_2_the_argparse_way(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: live-nb") and "error:" in err and "Traceback" not in err


def test_importing_the_cli_loads_nothing_heavy() -> None:
    script = (
        "import sys\n"
        "import live_nb.cli\n"
        "live_nb.cli.build_parser()\n"
        "print(sorted({'pandas', 'git', 'numpy', 'IPython', 'altair', 'PIL'}\n"
        "             & {name.split('.')[0] for name in sys.modules}))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip() == "[]", done.stderr


def test_exp_show_parses_its_line_without_the_other_commands(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import live_nb.cli as cli

    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["exp", "show", "--help"])
    full_help = capsys.readouterr().out
    assert main(["-C", ".", "exp", "show", "--help"]) == 0
    assert capsys.readouterr().out == full_help
    script = (
        "import io, sys, contextlib\n"
        "import live_nb.cli\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    live_nb.cli.main(['exp', 'show', '--help'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('live_nb.cli.')))\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.split("\n")[0] == "['live_nb.cli.common', 'live_nb.cli.exp']", done.stderr


# --------------------------------------------------------------------------- subcommands


def test_list(repo: Path) -> None:
    done = live_nb("exp", "list", cwd=repo)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    head = git(repo, "rev-parse", "--short=7", "HEAD").strip()
    assert lines[0] == f"main ({head}):"
    assert sorted(line.split()[0] for line in lines[1:]) == ["high", "low"]
    done = live_nb("exp", "ls", "--names-only", "-A", cwd=repo)
    assert sorted(done.stdout.split()) == ["high", "low"]


def test_list_from_elsewhere_with_dash_c(repo: Path, tmp_path: Path) -> None:
    done = live_nb(
        "-C", str(repo.parent), "-C", repo.name, "exp", "list", "--names-only", cwd=tmp_path
    )
    assert sorted(done.stdout.split()) == ["high", "low"]


def test_apply(repo: Path) -> None:
    done = live_nb("exp", "apply", "low", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Applied experiment 'low'")
    assert Path("params.yaml").read_text() == "lr: 0.01\n"

    Path("params.yaml").write_text("lr: 42\n")  # unsaved work in the way
    done = live_nb("exp", "apply", "high", cwd=repo)
    assert done.returncode == 1
    one_error_line(done, "Applying experiment 'high' would overwrite")
    assert "params.yaml" in done.stderr
    assert Path("params.yaml").read_text() == "lr: 42\n"

    done = live_nb("exp", "apply", "high", "--force", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert Path("params.yaml").read_text() == "lr: 0.5\n"
    command = done.stdout.splitlines()[-1].strip()
    assert command.startswith("git -C ") and "restore --source=refs/live_nb/backup/" in command
    subprocess.run(command, shell=True, check=True)
    assert Path("params.yaml").read_text() == "lr: 42\n"


def test_branch(repo: Path) -> None:
    done = live_nb("exp", "branch", "high", "try-high", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "git switch try-high" in done.stdout
    assert git(repo, "rev-parse", "try-high").strip() == exps(repo)["high"]

    done = live_nb("exp", "branch", "high", "bad..name", cwd=repo)
    assert done.returncode == 1
    one_error_line(done, "'bad..name' is not a valid Git branch name")
    done = live_nb("exp", "branch", "high", "try-high", cwd=repo)
    one_error_line(done, "A Git branch named 'try-high' already exists")


def test_remove(repo: Path) -> None:
    done = live_nb("exp", "remove", "low", cwd=repo)
    assert (done.returncode, done.stdout.strip()) == (0, "Removed 1 experiment(s): low")
    assert list(exps(repo)) == ["high"]
    done = live_nb("exp", "rm", "--all", cwd=repo)
    assert done.returncode == 0 and exps(repo) == {}
    done = live_nb("exp", "remove", "--rev", "HEAD", cwd=repo)
    assert (done.returncode, done.stdout.strip()) == (0, "No experiments to remove.")


def test_push_and_pull(repo: Path, tmp_path: Path) -> None:
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    git(repo, "remote", "add", "origin", str(remote))
    git(repo, "push", "-q", "origin", "main")
    done = live_nb("exp", "push", "origin", "low", cwd=repo)
    assert (done.returncode, done.stdout.strip()) == (0, "Pushed 1 experiment to 'origin': low.")
    assert "refs/exps/" in git(remote, "for-each-ref")
    other = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(remote), str(other))

    done = live_nb("exp", "pull", "origin", cwd=other)
    assert (done.returncode, done.stdout.strip()) == (0, "Pulled 1 experiment from 'origin': low.")
    assert exps(other) == {"low": exps(repo)["low"]}
    done = live_nb("exp", "pull", "origin", cwd=other)
    assert done.stdout.strip() == "Nothing to pull: already the same on 'origin': low."

    done = live_nb("exp", "push", "upstream", cwd=repo)
    one_error_line(done, "No Git remote named 'upstream'. Known remotes: origin.")


def test_a_remote_path_is_relative_to_dash_c(repo: Path, tmp_path: Path) -> None:
    (repo / "sub").mkdir()
    git(repo, "init", "-q", "--bare", "sub/remote.git")
    done = live_nb(
        "-C", str(repo), "-C", "sub", "exp", "push", "remote.git", "high", cwd=tmp_path.parent
    )
    assert done.returncode == 0, done.stderr
    assert exps(repo)["high"] in git(repo / "sub" / "remote.git", "for-each-ref")


def test_show_and_diff(repo: Path) -> None:
    pytest.importorskip("live_nb.experiments.show")
    done = live_nb("exp", "show", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "low" in done.stdout and "high" in done.stdout and "workspace" in done.stdout

    done = live_nb("exp", "show", "--json", "--sort-by", "lr", "--sort-order", "desc", cwd=repo)
    assert done.returncode == 0, done.stderr
    baselines = json.loads(done.stdout)  # DVC's layout: baselines holding their experiments
    names = [exp["name"] for baseline in baselines for exp in baseline["experiments"] or []]
    assert sorted(names) == ["high", "low"]  # DVC's JSON is not sorted: only its table is
    done = live_nb("exp", "show", "--csv", "--sort-by", "lr", "--sort-order", "desc", cwd=repo)
    rows = [line.split(",")[0] for line in done.stdout.splitlines()]
    assert rows.index("high") < rows.index("low")

    done = live_nb("exp", "show", "--csv", "--only-changed", "-A", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Experiment,")

    done = live_nb("exp", "diff", "low", "high", "--json", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "lr" in json.dumps(json.loads(done.stdout)["params"])
    done = live_nb("exp", "diff", "low", cwd=repo)
    assert done.returncode == 0, done.stderr
    assert "loss" in done.stdout
    for extra, new in (([], "workspace"), (["--baseline"], "low")):
        done = live_nb("exp", "diff", "low", "--json", *extra, cwd=repo)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["new"] == new


# --------------------------------------------------------------------------- errors


def test_unknown_experiment_is_one_line(repo: Path) -> None:
    for args in (["apply", "hihg"], ["branch", "hihg", "b"], ["remove", "hihg"]):
        done = live_nb("exp", *args, cwd=repo)
        assert done.returncode == 1
        one_error_line(done, "No experiment named 'hihg'. Did you mean 'high'?")


def test_no_repository_is_one_line(tmp_dir: Path) -> None:
    for args in (["list"], ["apply", "x"], ["show"]):
        done = live_nb("exp", *args, cwd=tmp_dir)
        assert done.returncode == 1
        one_error_line(done, "")
        assert "not inside a Git repository" in done.stderr


def test_no_commits_is_one_line(tmp_dir: Path) -> None:
    git(tmp_dir, "init", "-q")
    for args in (["list"], ["apply", "x"], ["push", str(tmp_dir)]):
        done = live_nb("exp", *args, cwd=tmp_dir)
        assert done.returncode == 1, done
        one_error_line(done, "The Git repository has no commit yet")


def test_dash_c_to_a_missing_folder_is_one_line(tmp_dir: Path) -> None:
    done = live_nb("-C", "nowhere", "exp", "list", cwd=tmp_dir)
    assert done.returncode == 1
    one_error_line(done, "Cannot change to 'nowhere'")


def test_main_reports_with_capsys(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["exp", "list", "--names-only"]) == 0
    assert sorted(capsys.readouterr().out.split()) == ["high", "low"]
    assert main(["exp", "apply", "nope"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    one_error_line((1, captured.err), "No experiment named 'nope'")


def test_warnings_are_one_line_too(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(repo, "update-ref", "refs/exps/not-an-experiment", "HEAD")
    assert main(["exp", "list", "--names-only"]) == 0
    captured = capsys.readouterr()
    assert captured.err.startswith("live-nb: warning: Skipped 1 ref(s) under refs/exps")
    assert len(captured.err.splitlines()) == 1


def test_unexpected_errors_keep_their_traceback(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("a bug")

    monkeypatch.setattr(manage, "list_experiments", broken)
    with pytest.raises(ZeroDivisionError):
        main(["exp", "list"])


def test_every_subcommand_through_main(
    repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("live_nb.experiments.show")
    remote = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))

    def run(*args: str) -> str:
        status = main(list(args))
        captured = capsys.readouterr()
        assert status == 0, captured.err
        return captured.out

    assert "high" in run("exp", "show", "--only-changed")
    assert '"params"' in run("exp", "diff", "high", "--json")
    assert run("exp", "apply", "high").startswith("Applied experiment 'high'")
    assert "git switch b-high" in run("exp", "branch", "high", "b-high")
    assert sorted(run("exp", "list", "--names-only").split()) == ["high", "low"]
    assert f"experiments to '{remote}': " in run("exp", "push", str(remote))
    assert run("exp", "remove", "low").strip() == "Removed 1 experiment(s): low"
    assert (
        run("exp", "pull", str(remote), "low").strip()
        == f"Pulled 1 experiment from '{remote}': low."
    )
    assert main(["exp", "show", "--sort-by", "no-such-column"]) == 1
    one_error_line((1, capsys.readouterr().err), "")


def test_show_and_list_spell_dash_a_as_dvc_and_accept_the_old_spelling(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("show", "list"):
        outputs = []
        for flag in ("-A", "--all-commits", "--all-baselines"):
            assert main(["exp", command, flag]) == 0
            outputs.append(capsys.readouterr().out)
        assert outputs[0] == outputs[1] == outputs[2]
    assert main(["exp", "show", "--help"]) == 0
    assert "-A, --all-commits" in capsys.readouterr().out
