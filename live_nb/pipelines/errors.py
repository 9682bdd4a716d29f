"""The one readable message for each way a ``dvc.yaml`` pipeline can be wrong or fail."""

from __future__ import annotations

from live_nb.error import LiveNbError


class PipelineError(LiveNbError, ValueError):
    """A ``dvc.yaml`` that DVC would refuse too, or a stage that cannot be run."""

    def __init__(self, where: str, detail: str, line: int | None = None) -> None:
        """Say where (file, and line when known) and what DVC means by the failure."""
        at = f"{where}, line {line}" if line else where
        self.detail = detail
        super().__init__(f"{at}: {detail}")


class TemplateError(PipelineError):
    """``vars`` or ``${}`` that cannot be resolved (unknown key, wrong type, bad syntax)."""


class GraphError(PipelineError):
    """Stages that cannot form a pipeline: a cycle, or two stages writing one output."""


class StageFailedError(PipelineError):
    """A stage's command exited with a non-zero status."""


class UnknownStageError(PipelineError):
    """A target names no stage of the pipeline."""
