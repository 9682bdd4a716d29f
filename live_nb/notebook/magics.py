"""The ``%%live`` cell magic and the ``%exp_*`` line magics."""

from __future__ import annotations

import keyword
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, cell_magic, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from live_nb import env
from live_nb.error import LiveNbError
from live_nb.experiments.options import SHOW_ARGUMENTS, ShowOptions
from live_nb.notebook.locate import open_notebook
from live_nb.notebook.record import Recorder
from live_nb.notebook.session import LiveSession, SessionOptions


def _parse_params(items: list[str]) -> dict[str, Any]:
    from live_nb.formats.yaml import load_yaml

    params: dict[str, Any] = {}
    for item in items:
        key, separator, raw = item.partition("=")
        key = key.strip()
        if not separator or not key.isidentifier() or keyword.iskeyword(key):
            raise UsageError(
                f"--param {item!r}: expected KEY=VALUE where KEY is a Python name, "
                "e.g. --param lr=0.01 --param optimizer=adam"
            )
        try:
            params[key] = load_yaml(raw) if raw.strip() else ""
        except Exception as error:
            raise UsageError(f"--param {item!r}: cannot read the value {raw!r} ({error})") from None
    return params


def _parse_as_a_shell_does(magic: Any, line: str) -> Any:
    """``line``'s options, its words split as a POSIX shell splits them.

    IPython's own splitting keeps a quote that is not at a word's start, so
    ``--param s="a b"`` would be cut at its space.
    """
    import shlex

    try:
        words = shlex.split(line)
    except ValueError as error:  # an unclosed quote
        raise UsageError(f"%%live {line}: {error}") from None
    return magic.parser.parse_args(words)


def _show_arguments(magic: Any) -> Any:
    """``@argument`` for each of :data:`SHOW_ARGUMENTS`, in their order."""
    for spec in reversed(SHOW_ARGUMENTS):
        magic = argument(*spec.flags, **spec.options)(magic)
    return magic


@magics_class
class LiveMagics(Magics):
    """The ``%%live`` cell magic and the ``%exp_*`` line magics of one IPython shell."""

    def __init__(self, shell: Any, recorder: Recorder) -> None:
        """Register in ``shell``; ``recorder`` keeps the cells the kernel ran."""
        super().__init__(shell)
        self.recorder = recorder
        self.active: LiveSession | None = None

    @magic_arguments()
    @argument("name", nargs="?", help="the experiment's name (default: a random adjective-noun)")
    @argument("--dir", default="dvclive", help="the output directory (default: dvclive)")
    @argument("--message", "-m", help="the experiment's commit message")
    @argument("--no-save", action="store_true", help="log only; do not save an experiment")
    @argument("--resume", action="store_true", help="continue the previous run's steps in --dir")
    @argument(
        "--param",
        "-p",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter to log and to bind as a variable (repeatable); VALUE is read as YAML",
    )
    @argument(
        "--checkpoint",
        nargs="?",
        const=True,
        default=None,
        metavar="N|60s",
        help="commit the run so far every step, every N steps, or at most once per interval",
    )
    @argument(
        "--checkpoint-file",
        action="append",
        default=[],
        metavar="PATH",
        help="a file each checkpoint caches, to resume from (a model; repeatable)",
    )
    @argument(
        "--resume-from",
        metavar="NAME[@STEP]",
        help="restore that checkpoint's output folder and files, and continue after its step",
    )
    @argument(
        "--reset",
        action="store_true",
        help="start over: remove the --checkpoint-file files (kept in DVC's cache) first",
    )
    @cell_magic
    def live(self, line: str, cell: str) -> Any:
        """Run the cell as a tracked experiment.

        The cell gets a ``live`` logger (DVCLive's API: log_param, log_metric,
        log_image, log_plot, log_sklearn_plot, log_artifact, next_step) and a
        summary that updates while it runs. When the cell ends, whether it
        succeeds, raises or is interrupted, the run is saved as a Git experiment
        (refs/exps/...) holding the workspace, the results, this notebook and the
        kernel's execution record. Compare runs with %exp_show.

        Example::

            %%live lr-sweep --param lr=0.01 --param epochs=10
            for epoch in range(epochs):
                live.log_metric("loss", train(lr))
                live.next_step()
        """
        __tracebackhide__ = True
        args = _parse_as_a_shell_does(self.live, line)
        if self.active is not None:
            raise UsageError(
                "A %%live cell is already running in this kernel; %%live cells cannot be nested. "
                "Log to the `live` object of the running cell instead."
            )
        options = SessionOptions(
            name=self._checked_name(args.name),
            dir=args.dir,
            message=args.message,
            save=not args.no_save,
            resume=args.resume,
            params=_parse_params(args.param),
            checkpoint=args.checkpoint,
            checkpoint_files=args.checkpoint_file,
            resume_from=args.resume_from,
            reset=args.reset,
        )
        if args.reset and args.resume_from:
            raise UsageError("--reset starts over and --resume-from continues: give one of them.")
        try:
            session = LiveSession(self.shell, self.recorder.record, options)
        except LiveNbError as error:
            raise UsageError(str(error)) from None
        self.active = session
        try:
            return session.run(cell, header=f"%%live {line}".rstrip())
        finally:
            self.active = None

    @staticmethod
    def _checked_name(name: str | None) -> str | None:
        if name is None:
            return None
        from live_nb.experiments.names import check_experiment_name

        try:
            return check_experiment_name(name)
        except LiveNbError as error:
            raise UsageError(str(error)) from None

    # ---- experiments ----------------------------------------------------------------------

    @magic_arguments()
    @_show_arguments
    @line_magic
    def exp_show(self, line: str) -> Any:
        """Show the experiments table (workspace, baselines, experiments; metrics and params).

        In Jupyter the table is interactive: sort by a column, filter rows, hide unchanged
        columns, tick experiments to overlay their metric histories, and apply, branch or
        remove them. Returns the table as a pandas DataFrame (``df = %exp_show``).
        """
        if _skipped_in_a_run("exp_show"):
            return None
        args = parse_argstring(self.exp_show, line)
        from live_nb.widgets.table import show_table

        options = ShowOptions.from_arguments(args).kwargs()
        return _user_errors(show_table, **options, keep=open_notebook(self.shell))

    @magic_arguments()
    @argument("target", nargs="?", help="the notebook to run (default: this one, as saved)")
    @argument(
        "-S",
        "--set-param",
        dest="params",
        action="append",
        default=[],
        help="[FILE:]KEY=VALUE, DVC's syntax: a=1,2,3 or range(1,4) for a grid",
    )
    @argument("--queue", action="store_true", help="only queue the runs")
    @argument("-j", "--jobs", type=int, default=1, help="runs at a time (default 1)")
    @argument("-n", "--name", help="the experiments' name (NAME-1, NAME-2... in a grid)")
    @argument("-m", "--message", help="the experiment commits' message")
    @argument("--timeout", type=float, help="stop a run after this many seconds")
    @argument(
        "--no-run-cache",
        dest="run_cache",
        action="store_false",
        help="run even when an experiment with the same inputs exists",
    )
    @argument("--executor", help="local (default) or dask://HOST:PORT")
    @argument("--resume-from", help="NAME[@STEP]: each run continues from this checkpoint")
    @argument("--reset", action="store_true", help="start over (nothing of an earlier run resumed)")
    @line_magic
    def exp_run(self, line: str) -> Any:
        """Run this notebook (as saved) in the background, once per combination of -S values.

        Each run gets its own folder and kernel; your files and this kernel are left alone,
        and each run is saved as an experiment (see %exp_show). ``-- python train.py`` runs
        a command instead. The output follows the runs, with a stop button for each.
        """
        from live_nb.notebook.exp_run import exp_run, split_command

        options, command = split_command(line)
        return exp_run(self.shell, parse_argstring(self.exp_run, options), command)

    @magic_arguments()
    @argument("a", nargs="?", help="an experiment (default: the workspace against HEAD)")
    @argument("b", nargs="?", help="a second experiment (default: the workspace)")
    @argument(
        "--baseline",
        action="store_true",
        help="with one experiment A: compare it with its baseline instead of the workspace",
    )
    @line_magic
    def exp_diff(self, line: str) -> None:
        """Compare metrics, parameters and files of two experiments, or one and the workspace."""
        if _skipped_in_a_run("exp_diff"):
            return
        args = parse_argstring(self.exp_diff, line)
        from live_nb.experiments import diff

        print(_user_errors(diff, args.a, args.b, baseline=args.baseline).to_text())

    @magic_arguments()
    @argument("name", help="the experiment to apply")
    @argument(
        "--force", action="store_true", help="back up uncommitted changes in the way, then apply"
    )
    @argument(
        "--notebook",
        action="store_true",
        help="apply this notebook's file too (left as it is by default: it is open here)",
    )
    @line_magic
    def exp_apply(self, line: str) -> None:
        """Put an experiment's files into the working tree; never loses uncommitted work.

        The notebook running this kernel is left as it is, so that the editor never finds
        its file replaced under it; ``--notebook`` applies it too.
        """
        if _skipped_in_a_run("exp_apply"):
            return
        args = parse_argstring(self.exp_apply, line)
        from live_nb import experiments

        keep = () if args.notebook else open_notebook(self.shell)
        result = _user_errors(experiments.apply, args.name, force=args.force, keep=keep)
        print(result.describe("it is the notebook open here"))
        if result.kept:
            print(
                f"To take the experiment's version too, run %exp_apply {args.name} --notebook, "
                "then reload the notebook from disk."
            )

    @magic_arguments()
    @argument("name", help="the experiment")
    @argument("branch", help="the new branch's name")
    @line_magic
    def exp_branch(self, line: str) -> None:
        """Make a Git branch of an experiment."""
        if _skipped_in_a_run("exp_branch"):
            return
        args = parse_argstring(self.exp_branch, line)
        from live_nb import experiments

        print(_user_errors(experiments.branch, args.name, args.branch).describe())

    @magic_arguments()
    @argument("names", nargs="*", help="experiments to remove")
    @argument("--rev", help="remove every experiment of this baseline")
    @argument("--all", action="store_true", help="remove every experiment")
    @line_magic
    def exp_remove(self, line: str) -> None:
        """Remove experiments by name, by baseline (--rev), or all of them (--all)."""
        if _skipped_in_a_run("exp_remove"):
            return
        args = parse_argstring(self.exp_remove, line)
        from live_nb import experiments

        removed = _user_errors(experiments.remove, args.names, rev=args.rev, all=args.all)
        print(removed.describe())

    @magic_arguments()
    @argument("name", help="the experiment whose checkpoints to remove")
    @argument("--keep-every", type=int, metavar="N", help="also keep one checkpoint every N steps")
    @line_magic
    def exp_prune(self, line: str) -> None:
        """Remove an experiment's checkpoints but its last commit (or one every N steps).

        The kept commits are written again on the chain's base; the artifact objects only
        the removed checkpoints referenced leave DVC's cache. A running run is refused.
        """
        if _skipped_in_a_run("exp_prune"):
            return
        args = parse_argstring(self.exp_prune, line)
        from live_nb import experiments

        print(_user_errors(experiments.prune, args.name, keep_every=args.keep_every).describe())

    @magic_arguments()
    @argument("remote", help="a Git remote name or URL")
    @argument("names", nargs="*", help="experiments to push (default: HEAD's experiments)")
    @argument("--force", action="store_true", help="overwrite diverged experiments on the remote")
    @argument("--no-artifacts", action="store_true", help="move only the refs, not the artifacts")
    @argument("-r", "--dvc-remote", help="DVC remote for the artifacts (default: core.remote)")
    @line_magic
    def exp_push(self, line: str) -> None:
        """Push experiments' refs to a Git remote, their artifacts to the DVC remote if any."""
        if _skipped_in_a_run("exp_push"):
            return
        _transfer("push", parse_argstring(self.exp_push, line))

    @magic_arguments()
    @argument("remote", help="a Git remote name or URL")
    @argument("names", nargs="*", help="experiments to pull (default: HEAD's experiments)")
    @argument("--force", action="store_true", help="overwrite diverged local experiments")
    @argument("--no-artifacts", action="store_true", help="move only the refs, not the artifacts")
    @argument("-r", "--dvc-remote", help="DVC remote for the artifacts (default: core.remote)")
    @line_magic
    def exp_pull(self, line: str) -> None:
        """Pull experiments' refs from a Git remote, their artifacts from the DVC remote if any."""
        if _skipped_in_a_run("exp_pull"):
            return
        _transfer("pull", parse_argstring(self.exp_pull, line))


def _transfer(verb: str, args: Any) -> None:
    """``%exp_push``/``%exp_pull``: the experiments (and artifacts) moved, said in one line."""
    from live_nb.experiments import remote

    move = remote.push if verb == "push" else remote.pull
    result = _user_errors(
        move,
        args.remote,
        args.names,
        force=args.force,
        artifacts=not args.no_artifacts,
        dvc_remote=args.dvc_remote,
    )
    print(result.describe())


def _skipped_in_a_run(magic: str) -> bool:
    """In a run of ``live-nb exp run`` the experiment magics do nothing (and say so).

    The run is saved as one experiment when the notebook ends; a notebook's ``%exp_show`` or
    ``%exp_diff`` cells are for a person at the keyboard, and the run's folder has no Git.
    """
    if not env.in_headless_run():
        return False
    print(f"%{magic} skipped: this notebook is running under live-nb exp run.")
    return True


def _user_errors(function: Any, *args: Any, **kwargs: Any) -> Any:
    """Call ``function``; a user mistake becomes one readable line, not a traceback."""
    try:
        return function(*args, **kwargs)
    except LiveNbError as error:
        raise UsageError(str(error)) from None
