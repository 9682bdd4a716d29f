"""The magics as IPython registers them, in-process (fast): help, arguments, loading twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.testing import globalipapp

from live_nb.experiments import save
from tests.conftest import git


@pytest.fixture
def shell() -> Iterator[Any]:
    globalipapp.start_ipython()
    ip = globalipapp.get_ipython()
    ip.run_line_magic("load_ext", "live_nb")
    yield ip
    ip.run_line_magic("unload_ext", "live_nb")


def test_live_help_describes_every_option(shell: Any) -> None:
    doc = shell.find_cell_magic("live").__doc__
    for text in ("--dir", "--message", "--no-save", "--resume", "--param KEY=VALUE", "live"):
        assert text in doc


@pytest.mark.parametrize(
    "name",
    "exp_show exp_diff exp_apply exp_branch exp_remove exp_prune exp_push exp_pull".split(),
)
def test_experiment_magics_are_registered_with_help(shell: Any, name: str) -> None:
    magic = shell.find_line_magic(name)
    assert magic is not None
    assert f"%{name} " in magic.__doc__ and (
        "arguments:" in magic.__doc__ or "options:" in magic.__doc__
    )


def test_loading_twice_installs_the_hooks_once(shell: Any) -> None:
    callbacks = len(shell.events.callbacks["pre_run_cell"])
    shell.run_line_magic("load_ext", "live_nb")
    shell.run_line_magic("reload_ext", "live_nb")
    assert len(shell.events.callbacks["pre_run_cell"]) == callbacks


def test_a_malformed_param_is_a_usage_error(shell: Any) -> None:
    with pytest.raises(UsageError, match="expected KEY=VALUE"):
        shell.run_cell_magic("live", "--param =1", "pass")


def test_the_experiment_magics_print_what_happened_and_return_nothing(
    shell: Any, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    Path("result.txt").write_text("saved\n")
    save(name="exp")
    Path("result.txt").write_text("unsaved work\n")  # in the way of apply

    assert shell.run_line_magic("exp_apply", "exp --force") is None
    out = capsys.readouterr().out
    assert out.startswith("Applied experiment 'exp'") and "ApplyResult(" not in out
    command = out.splitlines()[-1].strip()
    assert command.startswith("git -C ") and "restore --source=refs/live_nb/backup/" in command
    assert shell.run_line_magic("exp_branch", "exp from-exp") is None
    assert "git switch from-exp" in capsys.readouterr().out
    remote = git_repo / "remote.git"
    git(git_repo, "init", "-q", "--bare", str(remote))
    assert shell.run_line_magic("exp_push", str(remote)) is None
    assert capsys.readouterr().out.strip() == f"Pushed 1 experiment to {str(remote)!r}: exp."
    assert shell.run_line_magic("exp_remove", "exp") is None
    assert capsys.readouterr().out.strip() == "Removed 1 experiment(s): exp"
    assert shell.run_line_magic("exp_pull", f"{remote} exp") is None
    assert capsys.readouterr().out.strip() == f"Pulled 1 experiment from {str(remote)!r}: exp."


def test_exp_show_takes_the_options_of_live_nb_exp_show(
    shell: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from live_nb.cli import main

    assert main(["exp", "show", "--help"]) == 0
    cli_help = capsys.readouterr().out
    magic_help = shell.find_line_magic("exp_show").__doc__
    for text in ("-A, --all-commits", "--sort-by COL", "--sort-order", "--only-changed", "-n N"):
        assert text in cli_help and text in magic_help, text
    with pytest.raises(UsageError, match="0 commits would show nothing"):
        shell.run_line_magic("exp_show", "-n 0")
