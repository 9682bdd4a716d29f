"""``live_nb.records``: the dataclass stand-in of the fast path behaves as ``@dataclass``.

Each behaviour is checked against ``dataclasses`` itself, the oracle, on the same class body.
"""

from __future__ import annotations

import dataclasses

import pytest

from live_nb.records import FrozenInstanceError, field, record, replace


def _pair(frozen: bool = False, order: bool = False) -> tuple[type, type]:
    """The same class body made by ``record`` and by ``dataclass``, both named ``Point``."""
    made = []
    for decorate, make_field in (
        (record(frozen=frozen, order=order), field),
        (dataclasses.dataclass(frozen=frozen, order=order), dataclasses.field),
    ):

        class Point:
            name: str
            x: int = 0
            tags: tuple[str, ...] = make_field(default_factory=tuple)
            hidden: str | None = make_field(default=None, repr=False)

        Point.__qualname__ = "Point"
        made.append(decorate(Point))
    return made[0], made[1]


def test_init_repr_and_equality_are_the_dataclass_ones() -> None:
    ours, theirs = _pair()
    for args, kwargs in [(("a",), {}), (("a", 2, ("t",)), {}), (("a",), {"hidden": "h", "x": 3})]:
        mine, oracle = ours(*args, **kwargs), theirs(*args, **kwargs)
        assert repr(mine) == repr(oracle) and vars(mine) == vars(oracle)
    assert ours("a", 1) == ours("a", 1) and ours("a", 1) != ours("a", 2)
    assert ours("a") != theirs("a")  # another class is never equal, as with dataclasses
    with pytest.raises(TypeError):
        ours()  # a field without default is required
    with pytest.raises(TypeError):
        hash(ours("a"))  # mutable and equal: unhashable


def test_each_instance_gets_its_own_default_from_the_factory() -> None:
    @record
    class Box:
        items: list[int] = field(default_factory=list)

    first, second = Box(), Box()
    first.items.append(1)
    assert second.items == [] and not hasattr(Box, "items")
    assert _pair()[0].x == 0  # a plain default stays on the class, as a dataclass's


def test_frozen_records_hash_and_refuse_assignment() -> None:
    ours, theirs = _pair(frozen=True)
    point = ours("a", 1)
    assert hash(point) == hash(ours("a", 1)) and {point: 1}[ours("a", 1)] == 1
    with pytest.raises(FrozenInstanceError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        del point.x  # type: ignore[misc]
    with pytest.raises(AttributeError):  # what callers catch for dataclasses too
        point.name = "b"  # type: ignore[misc]
    assert replace(point, x=5) == ours("a", 5) and point.x == 1
    assert vars(replace(point, x=5)) == vars(dataclasses.replace(theirs("a", 1), x=5))


def test_ordered_records_sort_as_dataclasses_do() -> None:
    ours, theirs = _pair(frozen=True, order=True)
    values = [("b", 1), ("a", 2), ("a", 1), ("c", 0)]
    mine = sorted(ours(*value) for value in values)
    oracle = sorted(theirs(*value) for value in values)
    assert [(p.name, p.x) for p in mine] == [(p.name, p.x) for p in oracle]
    assert ours("a", 1) <= ours("a", 1) < ours("a", 2) and ours("b") > ours("a", 9)
    with pytest.raises(TypeError):
        _ = ours("a") < theirs("a")
