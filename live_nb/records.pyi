"""Types of :mod:`live_nb.records`: ``record`` is a dataclass to type checkers."""

from collections.abc import Callable
from typing import Any, TypeVar, overload

from typing_extensions import dataclass_transform

_T = TypeVar("_T")

class FrozenInstanceError(AttributeError): ...

def field(
    *, default: Any = ..., default_factory: Callable[[], Any] | None = ..., repr: bool = ...
) -> Any: ...
@overload
@dataclass_transform(field_specifiers=(field,))
def record(cls: type[_T], /) -> type[_T]: ...
@overload
@dataclass_transform(field_specifiers=(field,))
def record(*, frozen: bool = ..., order: bool = ...) -> Callable[[type[_T]], type[_T]]: ...
def replace(obj: _T, **changes: Any) -> _T: ...
