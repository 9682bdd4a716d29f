"""The experiments table as plain columns: what ``show`` builds, before any DataFrame.

The command line renders a :class:`Table` as text, CSV or JSON without importing pandas
(a third of a second at start-up, most of a warm ``live-nb exp show``); ``show()`` hands
users the same table as a DataFrame. Renderers accept either through :func:`as_table`.
"""

from __future__ import annotations

from collections.abc import Iterator

from live_nb.records import field, record

TYPE_CHECKING = False  # not typing's: importing typing costs `live-nb exp show` 4 ms
if TYPE_CHECKING:
    from typing import Any

    import pandas as pd

__all__ = ["Table", "as_table"]


@record
class Table:
    """Named columns of equal length, with the DataFrame ``attrs`` ``show`` sets."""

    columns: dict[str, list[Any]]
    attrs: dict[str, Any] = field(default_factory=dict)
    # What ``show`` read for each row (its rows, in order), for DVC's JSON layout; not in a frame.
    details: list[Any] | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        """The column names, in order."""
        return list(self.columns)

    def __len__(self) -> int:
        """The number of rows."""
        return len(next(iter(self.columns.values()), ()))

    def rows(self) -> Iterator[tuple[Any, ...]]:
        """Each row's cells, in column order."""
        return zip(*self.columns.values())

    def records(self) -> Iterator[dict[str, Any]]:
        """Each row as ``{column: cell}``."""
        names = self.names
        return (dict(zip(names, row)) for row in self.rows())

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame: nullable integer columns where every value is whole."""
        import pandas as pd

        frame = pd.DataFrame(self.columns, index=range(len(self)))
        for name in self.attrs.get("int_columns", ()):
            if name in frame.columns and frame[name].dtype.kind == "f":
                frame[name] = frame[name].astype("Int64")
        frame.attrs.update(self.attrs)
        return frame


def as_table(obj: Table | pd.DataFrame) -> Table:
    """``obj`` as a :class:`Table` (a DataFrame's columns copied as Python lists)."""
    if isinstance(obj, Table):
        return obj
    columns = {str(name): obj[name].tolist() for name in obj.columns}
    return Table(columns, {str(key): value for key, value in obj.attrs.items()})
