"""``live-nb repro`` and ``live-nb status``: ``dvc.yaml`` pipelines from a terminal.

Both read the project's ``dvc.yaml`` (templating expanded) and ``dvc.lock``, so a project
can switch between ``dvc repro`` and ``live-nb repro`` at any commit.
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from live_nb.cli.common import Commands, write

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from live_nb.pipelines import Graph


def register(commands: Commands) -> None:
    """Add ``repro`` and ``status`` to ``commands``."""
    repro = commands.add_parser(
        "repro",
        help="run the pipeline's changed stages (dvc.yaml), as dvc repro does",
        description="Run the stages of dvc.yaml whose dependencies, params, outputs or command "
        "changed since dvc.lock, in dependency order, caching their outputs and updating "
        "dvc.lock. TARGETs (stage names) and their upstream stages only, when given.",
    )
    repro.add_argument("targets", nargs="*", metavar="TARGET", help="stages to reproduce")
    repro.add_argument("-f", "--force", action="store_true", help="run even unchanged stages")
    repro.add_argument("--dry", action="store_true", help="only print what would run")
    repro.add_argument(
        "-s", "--single-item", action="store_true", help="the TARGETs only, not their upstream"
    )
    repro.add_argument(
        "--downstream", action="store_true", help="the TARGETs and the stages after them"
    )
    repro.add_argument(
        "-P", "--all-pipelines", action="store_true",
        help="every dvc.yaml of the project (default: the current folder's, as dvc repro)",
    )  # fmt: skip
    repro.add_argument(
        "-j", "--jobs", type=int, default=1, metavar="N",
        help="run up to N independent stages at a time (default 1)",
    )  # fmt: skip
    repro.set_defaults(handler=_repro)
    status = commands.add_parser(
        "status",
        help="which pipeline stages changed and why",
        description="Compare each stage of dvc.yaml with dvc.lock, as dvc status does.",
    )
    status.add_argument("targets", nargs="*", metavar="TARGET", help="stages to check")
    status.add_argument("--json", action="store_true", help="print JSON, as dvc status --json")
    status.set_defaults(handler=_status)
    _register_run(commands)
    _register_stage(commands)
    dag = commands.add_parser(
        "dag",
        help="draw the pipeline's graph, as dvc dag does",
        description="Draw the stages of dvc.yaml and their dependencies: as text (the "
        "default), --dot (Graphviz), --mermaid or --md (Mermaid in a Markdown fence), as "
        "dvc dag. A TARGET draws that stage and its upstream stages only.",
    )
    dag.add_argument("target", nargs="?", metavar="TARGET", help="a stage")
    shape = dag.add_mutually_exclusive_group()
    for flag in ("--dot", "--mermaid", "--md"):
        shape.add_argument(flag, action="store_true", help=f"print {flag[2:]}")
    dag.add_argument("--full", action="store_true", help="with TARGET: the whole pipeline")
    dag.set_defaults(handler=_dag)


def _register_run(commands: Commands) -> None:
    run = commands.add_parser(
        "run",
        help="execute a notebook headless with params injected (a pipeline stage's command)",
        description="Execute NOTEBOOK in a kernel of its own, started in the current folder, "
        "with each -p KEY=VALUE set (a %%live --param default, or an injected-parameters cell "
        "after the cell tagged 'parameters'), and save the executed copy, outputs included, "
        "at OUTPUT. The notebook itself is not changed. Exits 1 if a cell fails.",
    )
    run.add_argument("notebook", metavar="NOTEBOOK", help="the notebook to execute")
    run.add_argument(
        "-p", "--param", dest="params", action="append", default=[], metavar="KEY=VALUE",
        help="a parameter (the value read as YAML); repeatable",
    )  # fmt: skip
    run.add_argument(
        "-o", "--output", metavar="OUTPUT", help="the executed copy (default NAME.executed.ipynb)"
    )
    run.set_defaults(handler=_run)


def _register_stage(commands: Commands) -> None:
    stage = commands.add_parser(
        "stage", help="dvc.yaml stages", description="Work on the stages of dvc.yaml."
    )
    stage.set_defaults(handler=lambda _: stage.error("give a stage command (see --help)"))
    sub = stage.add_subparsers(title="stage commands", metavar="COMMAND")
    expand = sub.add_parser(
        "expand",
        help="print dvc.yaml with each short `notebook:` stage in the long form DVC reads",
        description="DVC refuses keys it does not know, so a `notebook:` stage must be "
        "expanded for dvc repro: print dvc.yaml with each one written as its `live-nb run` "
        "command with deps, params and outs (templating kept as written), or --write it.",
    )
    expand.add_argument("--write", action="store_true", help="replace dvc.yaml (comments go)")
    expand.set_defaults(handler=_expand)


def _root(args: argparse.Namespace) -> Path:
    from live_nb.formats.artifacts import find_dvc_root

    return find_dvc_root(Path(args.path))


def _repro(args: argparse.Namespace) -> int:
    from live_nb.pipelines import PipelineError, load_pipeline
    from live_nb.pipelines.repro import reproduce

    if args.jobs < 1:
        raise PipelineError("repro", f"-j must be at least 1, not {args.jobs}")
    root = _root(args)
    graph = load_pipeline(root)
    targets = args.targets
    if not targets and not args.all_pipelines:
        folder = Path(os.path.relpath(Path(args.path).resolve(), root.resolve())).as_posix()
        targets = graph.default_targets(folder)
    result = reproduce(
        root,
        graph,
        targets,
        force=args.force,
        dry=args.dry,
        single_item=args.single_item,
        downstream=args.downstream,
        jobs=args.jobs,
        say=write,
    )
    if not result.ran:
        write("Data and pipelines are up to date.")
    return 0


def _status(args: argparse.Namespace) -> int:
    from live_nb.pipelines import load_pipeline
    from live_nb.pipelines.status import describe, pipeline_status

    root = _root(args)
    graph = load_pipeline(root)
    names = graph.select(args.targets) if args.targets else None
    found = pipeline_status(root, graph, names)
    write(json.dumps(found) if args.json else describe(found))
    return 0


def _run(args: argparse.Namespace) -> int:
    from live_nb.runs.execute import OK
    from live_nb.runs.headless import execute_notebook, parse_params

    base = Path(args.path)
    output = base / args.output if args.output else None
    outcome = execute_notebook(base / args.notebook, parse_params(args.params), output, base)
    if outcome.status != OK:
        write(f"live-nb run {args.notebook}: {outcome.status}: {outcome.error or 'stopped'}")
        return 1
    return 0


def _expand(args: argparse.Namespace) -> int:
    from live_nb.pipelines.notebook import write_expanded

    root = _root(args)
    text = write_expanded(root, write=args.write)
    write(f"Wrote {root / 'dvc.yaml'}" if args.write else text)
    return 0


def _dag(args: argparse.Namespace) -> int:
    from live_nb.pipelines import load_pipeline
    from live_nb.pipelines.dag import as_dot, as_mermaid, as_text

    graph = load_pipeline(_root(args))
    names = graph.select([args.target]) if args.target else None
    if names is not None and args.full:
        chosen = {n for group in _groups(graph) if set(group) & set(names) for n in group}
        names = [name for name in graph.stages if name in chosen]
    if args.dot:
        write(as_dot(graph, names) + "\n")
    elif args.mermaid or args.md:
        write(as_mermaid(graph, names, markdown=args.md))
    else:
        write(as_text(graph, names))
    return 0


def _groups(graph: Graph) -> list[list[str]]:
    from live_nb.pipelines.dag import pipelines

    return pipelines(graph)
