"""``@record``: the ``@dataclass`` of the command line's fast path, without its import cost.

``dataclasses`` costs ``live-nb exp show`` about 7 ms to import (it brings ``inspect``,
``ast``, ``dis``, ``tokenize``) and about 0.5 ms a class to apply (several ``exec`` calls
each), some 15 ms of a 0.15 s command for the classes it uses. ``record`` gives a class the
same methods: ``__init__`` (fields in order, defaults, ``field(default_factory=...)``;
the one method compiled, ~50 us a class), ``__repr__``, ``__eq__``, and with ``frozen=True``
a hash and no attribute assignment (:class:`FrozenInstanceError`), with ``order=True`` the
four comparisons. Annotations must be deferred (``from __future__ import annotations``):
they are read as text, never evaluated. ``ClassVar`` fields and inheritance of fields are
not supported: the classes using it have neither. Type checkers see a dataclass (PEP 681's
``dataclass_transform``, in ``records.pyi``).
"""

from __future__ import annotations

import operator

TYPE_CHECKING = False  # typing costs 4 ms to import: the types are in records.pyi
if TYPE_CHECKING:
    from typing import Any

__all__ = ["FrozenInstanceError", "field", "record", "replace"]

_FIELDS = "__record_fields__"


class FrozenInstanceError(AttributeError):
    """An attribute of a frozen record was set or deleted."""


class _Field:
    """What :func:`field` declares: a default, or a factory of defaults, and whether shown."""

    __slots__ = ("default", "factory", "repr")

    def __init__(self, default: object, factory: object, repr: bool) -> None:
        self.default, self.factory, self.repr = default, factory, repr


_NOTHING: Any = object()


def field(*, default: Any = _NOTHING, default_factory: Any = None, repr: bool = True) -> Any:
    """A field's default: ``default``, or ``default_factory()`` for each instance.

    ``repr=False`` leaves the field out of the record's ``repr``.
    """
    return _Field(default, default_factory, repr)


def record(cls: Any = None, *, frozen: bool = False, order: bool = False) -> Any:
    """Give ``cls`` the methods ``@dataclass(frozen=..., order=...)`` would."""

    def wrap(target: Any) -> Any:
        return _build(target, frozen, order)

    return wrap if cls is None else wrap(cls)


def replace(obj: Any, **changes: Any) -> Any:
    """A copy of the record ``obj`` with ``changes``, as ``dataclasses.replace``."""
    values = {name: getattr(obj, name) for name in getattr(obj, _FIELDS)}
    values.update(changes)
    return type(obj)(**values)


def _build(cls: Any, frozen: bool, order: bool) -> Any:
    # inspect.get_annotations would import inspect, the cost this module avoids
    names = list(cls.__dict__.get("__annotations__", {}))  # noqa: RUF063
    namespace: dict[str, Any] = {"_object": object, "_NOTHING": _NOTHING}
    exec(_init(cls, names, frozen, namespace), namespace)  # the one compile: ~50 us a class
    methods: dict[str, Any] = {"__init__": namespace["__init__"]}
    methods.update(_methods(names, [name for name in names if _shown(cls, name)], frozen, order))
    for name, function in methods.items():
        function.__qualname__ = f"{cls.__qualname__}.{name}"
        setattr(cls, name, function)
    if not frozen:
        cls.__hash__ = None  # equal but mutable: unhashable, as a dataclass
    setattr(cls, _FIELDS, tuple(names))
    for name in names:  # the class keeps a plain default, as a dataclass's does
        declared = cls.__dict__.get(name)
        if isinstance(declared, _Field) and declared.default is _NOTHING:
            delattr(cls, name)
        elif isinstance(declared, _Field):
            setattr(cls, name, declared.default)
    return cls


def _shown(cls: Any, name: str) -> bool:
    declared = cls.__dict__.get(name)
    return not isinstance(declared, _Field) or declared.repr


def _init(cls: Any, names: list[str], frozen: bool, namespace: dict[str, Any]) -> str:
    """The source of ``__init__``; the defaults and factories go into ``namespace``."""
    parameters, body = [], []
    for index, name in enumerate(names):
        default = cls.__dict__.get(name, _NOTHING)
        spec = default if isinstance(default, _Field) else _Field(default, None, True)
        value = name
        if spec.factory is not None:
            namespace[f"_factory{index}"] = spec.factory
            parameters.append(f"{name}=_NOTHING")
            value = f"_factory{index}() if {name} is _NOTHING else {name}"
        elif spec.default is not _NOTHING:
            namespace[f"_default{index}"] = spec.default
            parameters.append(f"{name}=_default{index}")
        else:
            parameters.append(name)
        setter = f"_object.__setattr__(self, {name!r}, {value})"
        body.append(f"  {setter}" if frozen else f"  self.{name} = {value}")
    return "\n".join([f"def __init__(self, {', '.join(parameters)}):", *(body or ["  pass"])])


def _methods(names: list[str], shown: list[str], frozen: bool, order: bool) -> dict[str, Any]:
    """``__repr__``, ``__eq__``; the hash and the frozen setters; the orderings.

    Closures over the field names, not compiled: they are seldom called, ``__init__`` often.
    """

    def values(obj: Any) -> tuple[Any, ...]:
        return tuple([getattr(obj, name) for name in names])

    def __repr__(self: Any) -> str:
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{type(self).__qualname__}({fields})"

    def compare(test: Any) -> Any:
        def method(self: Any, other: Any) -> Any:
            if other.__class__ is not self.__class__:
                return NotImplemented
            return test(values(self), values(other))

        return method

    methods = {"__repr__": __repr__, "__eq__": compare(operator.eq)}
    if frozen:
        methods["__hash__"] = lambda self: hash(values(self))
        methods["__setattr__"] = _refuse_assignment
        methods["__delattr__"] = _refuse_deletion
    if order:
        for name in ("lt", "le", "gt", "ge"):
            methods[f"__{name}__"] = compare(getattr(operator, name))
    return methods


def _refuse_assignment(self: Any, name: str, value: Any) -> None:
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def _refuse_deletion(self: Any, name: str) -> None:
    raise FrozenInstanceError(f"cannot delete field {name!r}")
