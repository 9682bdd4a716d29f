"""``dvc.yaml`` pipelines read, checked and run as DVC does (``live-nb repro``/``status``).

``load_pipeline(root)`` expands every stage (``vars``, ``${}``, ``foreach``, ``matrix``)
and builds the graph; ``resolve.py`` holds the templating, ``graph.py`` the order.
"""

from __future__ import annotations

from pathlib import Path

from live_nb.pipelines.errors import (
    GraphError,
    PipelineError,
    StageFailedError,
    TemplateError,
    UnknownStageError,
)
from live_nb.pipelines.graph import Graph
from live_nb.pipelines.resolve import load_stages
from live_nb.pipelines.stage import Output, ParamsDep, Stage

__all__ = [
    "Graph",
    "GraphError",
    "Output",
    "ParamsDep",
    "PipelineError",
    "Stage",
    "StageFailedError",
    "TemplateError",
    "UnknownStageError",
    "load_pipeline",
    "load_stages",
]


def load_pipeline(root: Path | str = ".", dvcyaml: str = "dvc.yaml") -> Graph:
    """The expanded, checked stages of ``root/dvcyaml`` as a ``Graph``."""
    return Graph(load_stages(Path(root), dvcyaml), dvcyaml)
