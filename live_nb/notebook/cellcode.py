"""A ``%%live`` cell's body run as IPython runs a cell, so that its errors read as the cell's own.

The body is compiled under the cell's own name (``Cell In[5]``, the number in the cell's
prompt), with the line numbers of the cell as the notebook shows it (the ``%%live`` line is
line 1). When the body raises, the traceback the user sees starts at their code: the frames of
IPython's magic call (``get_ipython().run_cell_magic('live', ...)``) and of live_nb are left out.
"""

from __future__ import annotations

import ast
import contextlib
from types import TracebackType
from typing import Any


class CellBody:
    """A ``%%live`` cell's body, compiled under the cell's name (``Cell In[5]``).

    ``header`` is the cell's first line (``%%live ...``), shown above the body in tracebacks;
    ``execution_count`` the number in the cell's prompt.
    """

    def __init__(self, shell: Any, header: str, body: str, execution_count: int) -> None:
        self.shell = shell
        self.source = shell.transform_cell(body)
        self.filename = shell.compile.cache(f"{header}\n{self.source}", execution_count)

    def run(self) -> Any:
        """Run the body in the user's namespace; its last expression's value, as a cell gives."""
        __tracebackhide__ = True
        shell, filename = self.shell, self.filename
        # one empty line first: the body's lines keep the numbers they have in the cell
        tree = shell.compile.ast_parse("\n" + self.source, filename=filename)
        last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
        exec(shell.compile(tree, filename, "exec"), shell.user_ns)
        if last is None:
            return None
        expression = ast.Expression(last.value)
        return eval(shell.compile(expression, filename, "eval"), shell.user_ns)

    def traceback_of(self, error: BaseException) -> TracebackType | None:
        """``error``'s traceback from the body's first frame on (None: the body was not reached)."""
        tb = error.__traceback__
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                return tb
            tb = tb.tb_next
        return None


def show_from_user_code(shell: Any, error: BaseException, tb: TracebackType) -> None:
    """Make IPython show ``error``'s traceback from ``tb`` (the user's first frame) on.

    Frames are added in front of ``tb`` as the error leaves the magic, and IPython 9 shows
    every one that is not its own (the cell's ``run_cell_magic`` call among them) and ignores
    ``tb_offset``: the exception renders itself instead, through IPython's
    ``_render_traceback_`` protocol, with IPython's own formatter.
    """
    formatter = getattr(shell, "InteractiveTB", None)
    if formatter is None:
        return

    def render() -> list[str]:
        lines: list[str] = formatter.structured_traceback(type(error), error, tb, tb_offset=0)
        return lines

    with contextlib.suppress(AttributeError, TypeError):  # a type that takes no attributes
        error._render_traceback_ = render  # type: ignore[attr-defined]
