"""``dvc.yaml`` pipelines read, checked and run as DVC does (``live-nb repro``/``status``).

``load_pipeline(root)`` expands every stage (``vars``, ``${}``, ``foreach``, ``matrix``)
and builds the graph; ``resolve.py`` holds the templating, ``graph.py`` the order.
"""

from __future__ import annotations

from pathlib import Path

from live_nb.pipelines.collect import collect_dvcfiles
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


def load_pipeline(root: Path | str = ".", dvcyaml: str | None = None) -> Graph:
    """The expanded, checked stages of ``root/dvcyaml`` (default: every ``dvc.yaml``)."""
    root = Path(root)
    files = [dvcyaml] if dvcyaml else collect_dvcfiles(root) or ["dvc.yaml"]
    stages = [stage for file in files for stage in load_stages(root, file)]
    return Graph(stages, files[0] if len(files) == 1 else "dvc.yaml")
