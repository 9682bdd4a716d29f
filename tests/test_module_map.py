"""The house rules of the package: who may import whom, and what stays private.

- no module imports an underscore name of another live_nb module;
- the packages (``live_nb.render``, ``live_nb.widgets``, ...) and top-level modules import
  each other without a cycle, counting imports inside functions (only ``TYPE_CHECKING``
  blocks, which never run, are left out);
- ``Live`` loads no IPython, ipywidgets or anywidget for any ``report`` but ``"notebook"``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "live_nb"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _runtime_imports(tree: ast.Module) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement that can run: at the top, or inside functions, not in
    ``if TYPE_CHECKING:``."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(child) for child in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)) and id(node) not in skipped:
            yield node


def _imports() -> dict[str, list[tuple[str, list[str]]]]:
    """module -> [(imported live_nb module, names imported from it)]."""
    found: dict[str, list[tuple[str, list[str]]]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module_name(path)
        entries = found.setdefault(module, [])
        for node in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                entries += [(a.name, []) for a in node.names if a.name.startswith("live_nb")]
            elif node.module and node.module.startswith("live_nb") and node.level == 0:
                entries.append((node.module, [alias.name for alias in node.names]))
    return found


def _room(module: str) -> str:
    """The package a module belongs to: ``live_nb.render.svg`` -> ``live_nb.render``;
    a top-level module (``live_nb.live``) is a room of its own."""
    parts = module.split(".")
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return ".".join(parts[:2])
    return module


def test_no_module_imports_a_private_name_of_another() -> None:
    offences = [
        f"{module} imports {name} from {source}"
        for module, entries in _imports().items()
        for source, names in entries
        for name in names
        if name.startswith("_") and not name.startswith("__") and source != module
    ]
    assert offences == []


def _is_module(name: str) -> bool:
    path = PACKAGE.parent / name.replace(".", "/")
    return path.is_dir() or path.with_suffix(".py").exists()


def test_the_packages_import_each_other_without_a_cycle() -> None:
    graph: dict[str, set[str]] = {}
    for module, entries in _imports().items():
        for source, names in entries:
            submodules = {f"{source}.{name}" for name in names} if names else set()
            targets = {name for name in submodules if _is_module(name)}
            if len(targets) < len(submodules) or not names:
                targets.add(source)  # a name defined in ``source`` itself
            for target in targets:
                if _room(target) != _room(module):
                    graph.setdefault(_room(module), set()).add(_room(target))
    cycles = []

    def visit(node: str, path: list[str]) -> None:
        for nxt in sorted(graph.get(node, ())):
            if nxt in path:
                cycles.append(" -> ".join([*path[path.index(nxt) :], nxt]))
            elif len(path) < 12:
                visit(nxt, [*path, nxt])

    for start in sorted(graph):
        visit(start, [start])
    assert cycles == []


@pytest.mark.parametrize("report", [None, "html", "md"])
def test_live_loads_no_notebook_machinery_without_the_notebook_report(
    report: str | None, tmp_path: Path
) -> None:
    script = (
        "import sys\n"
        "import live_nb\n"
        f"live = live_nb.Live(report={report!r}, save_dvc_exp=False)\n"
        "live.log_metric('m', 1.0)\n"
        "live.next_step()\n"
        "live.end()\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'IPython', 'ipywidgets', 'anywidget', 'traitlets', 'ipykernel'}))\n"
    )
    output = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script],
        check=True,
        capture_output=True,
        text=True,
        cwd=tmp_path,
    ).stdout
    assert output.strip() == "[]"
