"""``%repro``, ``%status`` and ``%dag``: the project's ``dvc.yaml`` pipeline from a notebook.

``%repro`` runs as ``live-nb repro`` does, with a view of its stages above the commands'
output, updated in place as each one starts and ends (plain text, so any front end shows it
and a saved notebook keeps the last state). ``%status`` prints ``dvc status``'s words and
returns the JSON shape; ``%dag`` draws the graph as a picture (SVG), with the text drawing
for front ends without one.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path
from typing import Any

from IPython.core.error import UsageError
from IPython.core.magic import Magics, line_magic, magics_class
from IPython.core.magic_arguments import argument, magic_arguments, parse_argstring

from live_nb.error import LiveNbError

__all__ = ["PipelineMagics", "StageView"]

_MARKS = {
    "waiting": "·",
    "running": "▶",
    "ran": "✓",
    "restored": "✓",
    "verified": "✓",
    "skipped": "-",
    "failed": "✗",
}
_WORDS = {"restored": "restored from the run-cache", "skipped": "unchanged"}


class StageView:
    """The stages of one repro and their state, one line each, redrawn in place."""

    def __init__(self, names: list[str]) -> None:
        """Start with every stage waiting; shown at once."""
        from IPython.display import display

        self.states = dict.fromkeys(names, "waiting")
        self.started: dict[str, float] = {}
        self.took: dict[str, float] = {}
        self._lock = threading.Lock()
        self._handle = display(self._bundle(), raw=True, display_id=True)

    def update(self, name: str, state: str) -> None:
        """``name`` is now ``state`` (``running``, ``ran``, ``failed``...)."""
        with self._lock:
            if state == "running":
                self.started[name] = time.monotonic()
            elif name in self.started:
                self.took[name] = time.monotonic() - self.started[name]
            self.states[name] = state
            if self._handle is not None:
                self._handle.update(self._bundle(), raw=True)

    def text(self) -> str:
        """The view as text: a line per stage."""
        width = max((len(name) for name in self.states), default=0)
        lines = []
        for name, state in self.states.items():
            took = f" ({self.took[name]:.1f}s)" if name in self.took else ""
            word = _WORDS.get(state, state)
            lines.append(f"{_MARKS.get(state, ' ')} {name:<{width}}  {word}{took}")
        return "\n".join(lines)

    def _bundle(self) -> dict[str, str]:
        return {"text/plain": self.text()}


def _root() -> Path:
    from live_nb.formats.artifacts import find_dvc_root

    return find_dvc_root(Path("."))


@magics_class
class PipelineMagics(Magics):
    """The pipeline magics, registered by ``%load_ext live_nb``."""

    @magic_arguments()
    @argument("targets", nargs="*", help="stages to reproduce (and their upstream)")
    @argument("-f", "--force", action="store_true", help="run even unchanged stages")
    @argument("--dry", action="store_true", help="only say what would run")
    @argument("-s", "--single-item", action="store_true", help="the targets only")
    @argument("--downstream", action="store_true", help="the targets and what follows them")
    @argument("-j", "--jobs", type=int, default=1, help="independent stages at a time")
    @line_magic
    def repro(self, line: str) -> Any:
        """Run the changed stages of dvc.yaml, as ``live-nb repro`` (and ``dvc repro``) do."""
        from live_nb.pipelines import load_pipeline
        from live_nb.pipelines.repro import reproduce

        args = parse_argstring(self.repro, line)
        if args.jobs < 1:
            raise UsageError(f"-j must be at least 1, not {args.jobs}")
        try:
            root = _root()
            graph = load_pipeline(root)
            targets = args.targets or graph.default_targets()  # the root's dvc.yaml, as dvc
            names = graph.select(targets, single=args.single_item, downstream=args.downstream)
            view = StageView(names)
            result = reproduce(
                root, graph, targets, force=args.force, dry=args.dry,
                single_item=args.single_item, downstream=args.downstream, jobs=args.jobs,
                say=lambda _: None, on_stage=view.update, echo=_echo,
            )  # fmt: skip
        except LiveNbError as error:
            raise UsageError(str(error)) from None
        if not result.ran and not result.restored:
            print("Data and pipelines are up to date.")
        return None

    @magic_arguments()
    @argument("targets", nargs="*", help="stages to check")
    @line_magic
    def status(self, line: str) -> Any:
        """Which stages changed since dvc.lock and why; returns ``dvc status --json``'s dict."""
        from live_nb.pipelines import load_pipeline
        from live_nb.pipelines.status import describe, pipeline_status

        args = parse_argstring(self.status, line)
        try:
            root = _root()
            graph = load_pipeline(root)
            found = pipeline_status(
                root, graph, graph.select(args.targets) if args.targets else None
            )
        except LiveNbError as error:
            raise UsageError(str(error)) from None
        print(describe(found))
        return found

    @magic_arguments()
    @argument("target", nargs="?", help="a stage: it and its upstream only")
    @line_magic
    def dag(self, line: str) -> None:
        """Draw the pipeline's graph (a picture; its text drawing as ``dvc dag`` elsewhere)."""
        from IPython.display import display

        from live_nb.pipelines import load_pipeline
        from live_nb.pipelines.dag import as_svg, as_text

        args = parse_argstring(self.dag, line)
        try:
            graph = load_pipeline(_root())
            names = graph.select([args.target]) if args.target else None
        except LiveNbError as error:
            raise UsageError(str(error)) from None
        bundle = {"image/svg+xml": as_svg(graph, names), "text/plain": as_text(graph, names)}
        display(bundle, raw=True)


def _echo(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()
