"""Errors raised by live_nb.

Every error derives from :class:`LiveNbError` and from the built-in exception a
Python user would expect (``ValueError`` for a bad name, ``TypeError`` for a
value of the wrong type, ``FileNotFoundError`` for a missing path), so both
``except LiveNbError`` and ``except ValueError`` work.  Each class builds its
own message, which says what was wrong and what to do instead.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any


class LiveNbError(Exception):
    """Root of every error live_nb raises on purpose."""


class LiveNbWarning(UserWarning):
    """Root of every warning live_nb emits."""


class ExperimentNotSavedWarning(LiveNbWarning):
    """``Live.end()`` could not save the run as a Git experiment; the results are kept."""


class InvalidNameError(LiveNbError, ValueError):
    """A name (metric, image, plot, artifact...) that is not a safe relative path."""

    def __init__(self, argument: str, name: object, reason: str) -> None:
        self.argument = argument
        self.name = name
        super().__init__(
            f"Invalid {argument} {name!r}: {reason}. "
            "Use a relative name such as 'train/loss', with '/' between parts."
        )


class InvalidDataTypeError(LiveNbError, TypeError):
    """A logged value of a type that cannot be stored."""

    def __init__(self, name: str, value: object, expected: str) -> None:
        self.name = name
        self.value_type = type(value)
        super().__init__(
            f"Cannot log {name!r}: a value of type {type(value).__name__} is not "
            f"supported; expected {expected}."
        )


class InvalidParameterTypeError(LiveNbError, TypeError):
    """A parameter that YAML cannot hold."""

    def __init__(self, key: str, value: object) -> None:
        self.key = key
        self.value_type = type(value)
        super().__init__(
            f"Cannot log parameter {key!r}: a value of type {type(value).__name__} "
            "cannot be stored in params.yaml. Use str, int, float, bool, None, or "
            "lists and dicts of these."
        )


class InvalidImageError(LiveNbError, TypeError):
    """An image value or image name that cannot be saved."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        super().__init__(f"Cannot log image {name!r}: {detail}")


class InvalidImageNameError(InvalidImageError, ValueError):
    """An image name without an image suffix (DVCLive's name for this error)."""


class InvalidMetricValueError(LiveNbError, ValueError):
    """A metric value that its TSV file cannot hold (text with a line break)."""

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        super().__init__(f"Cannot log {name!r}: {detail}")


class InvalidPlotTypeError(LiveNbError, ValueError):
    """An unknown ``log_sklearn_plot`` kind."""

    def __init__(self, kind: str, supported: list[str]) -> None:
        self.kind = kind
        super().__init__(
            f"Plot kind {kind!r} is not supported. Supported kinds are: "
            + ", ".join(repr(k) for k in supported)
            + "."
        )


class InvalidPlotDataError(InvalidDataTypeError):
    """Plot data that is not a list of dicts, a DataFrame or an ndarray.

    An :class:`InvalidDataTypeError`, the name DVCLive raises for it, so code catching that
    catches this.
    """

    def __init__(self, name: str, detail: str) -> None:
        self.name = name
        self.value_type = object
        TypeError.__init__(self, f"Cannot log plot {name!r}: {detail}")


class ArtifactNotFoundError(LiveNbError, FileNotFoundError):
    """``log_artifact`` was given a path that does not exist."""

    def __init__(self, path: Any) -> None:
        self.path = path
        super().__init__(
            f"Cannot log artifact {str(path)!r}: no such file or directory. "
            "Save the file first, then log its path."
        )


class ImageNotFoundError(LiveNbError, FileNotFoundError):
    """``log_image`` was given a path that does not exist."""

    def __init__(self, name: str, path: Any) -> None:
        self.name = name
        self.path = path
        super().__init__(
            f"Cannot log image {name!r}: no image file at {str(path)!r}. "
            "Pass an existing image path, a PIL image, a numpy array or a matplotlib figure."
        )


class InvalidDvcyamlError(LiveNbError, ValueError):
    """A ``dvcyaml`` path whose file name is not ``dvc.yaml``."""

    def __init__(self, value: object) -> None:
        super().__init__(
            f"`dvcyaml` must be a path whose file name is 'dvc.yaml', True, False or "
            f"None; got {value!r}."
        )


class InvalidReportModeError(LiveNbError, ValueError):
    """An unknown ``report`` mode."""

    def __init__(self, value: object) -> None:
        super().__init__(f"`report` must be None, 'html', 'md' or 'notebook'; got {value!r}.")


class DvcyamlConflictError(LiveNbError, ValueError):
    """An existing ``dvc.yaml`` that cannot be read or updated."""

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        super().__init__(
            f"Cannot update {path!r}: {detail}. Fix the file or pass dvcyaml=False "
            "to Live() to leave it alone."
        )


__all__ = [
    "ArtifactNotFoundError",
    "DvcyamlConflictError",
    "ExperimentNotSavedWarning",
    "ImageNotFoundError",
    "InvalidDataTypeError",
    "InvalidDvcyamlError",
    "InvalidImageError",
    "InvalidNameError",
    "InvalidParameterTypeError",
    "InvalidPlotDataError",
    "InvalidPlotTypeError",
    "InvalidReportModeError",
    "LiveNbError",
    "LiveNbWarning",
]


DvcLiveError = LiveNbError
"""DVCLive's name for the root of its errors: ``except DvcLiveError`` keeps working."""
