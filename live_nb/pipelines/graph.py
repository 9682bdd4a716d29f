"""The stages as a graph: who feeds whom, the order to run them, and what DVC refuses.

Stage B depends on stage A when one of B's deps is one of A's outputs, lies inside one, or
contains one (paths from the project root). Two stages writing one output, and a cycle,
are errors, as in DVC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from live_nb.pipelines.errors import GraphError, UnknownStageError
from live_nb.pipelines.stage import Stage

__all__ = ["Graph"]


def _related(a: str, b: str) -> bool:
    return a == b or a.startswith(f"{b}/") or b.startswith(f"{a}/")


def _inside_project(path: str) -> bool:
    first = path.split("/", 1)[0]
    return not (path.startswith("/") or first in ("..", ".", ".git", ".dvc"))


class Graph:
    """The pipeline's stages with their upstream edges, checked on construction."""

    def __init__(self, stages: Sequence[Stage], relpath: str = "dvc.yaml") -> None:
        """Build the edges; ``GraphError`` for a shared output or a cycle."""
        self.relpath = relpath
        self.stages = {stage.address: stage for stage in stages}
        self._check_outputs(stages)
        writers = [(stage.path(out.path), stage.address) for stage in stages for out in stage.outs]
        self.upstream: dict[str, list[str]] = {}
        for stage in stages:
            found: list[str] = []
            for dep in stage.deps:
                path = stage.path(dep)
                found += [w for out, w in writers if _related(path, out) and w not in found]
            self.upstream[stage.address] = found
        self.order = self._topological()

    def _check_outputs(self, stages: Sequence[Stage]) -> None:
        owners: dict[str, list[str]] = {}
        for stage in stages:
            for out in stage.outs:
                path = stage.path(out.path)
                if not _inside_project(path):
                    raise GraphError(
                        self.relpath,
                        f"the output '{out.path}' of stage '{stage.address}' is outside the "
                        "repository (or is its .git/.dvc folder or the repository itself); "
                        "give a path inside it",
                        stage.line,
                    )
                owners.setdefault(path, []).append(stage.address)
        for path, names in owners.items():
            if len(names) > 1:
                listed = ", ".join(f"'{name}'" for name in names)
                raise GraphError(
                    self.relpath,
                    f"output '{path}' is specified in more than one stage ({listed}); "
                    "a path can be the output of one stage only",
                    self.stages[names[1]].line,
                )
        for second in owners:
            parents = [p for p in owners if second.startswith(f"{p}/")]
            if parents:
                first = parents[0]
                raise GraphError(
                    self.relpath,
                    f"the output '{second}' of stage '{owners[second][0]}' is inside the output "
                    f"'{first}' of stage '{owners[first][0]}'",
                )

    def _topological(self) -> list[str]:
        order: list[str] = []
        state: dict[str, int] = {}
        for name in self.stages:
            self._visit(name, state, order, [])
        return order

    def _visit(self, name: str, state: dict[str, int], order: list[str], path: list[str]) -> None:
        if state.get(name) == 2:
            return
        if state.get(name) == 1:
            cycle = path[path.index(name) :]
            raise GraphError(
                self.relpath,
                "the pipeline has a cycle: the same item(s) are defined as both a dependency "
                f"and an output in stages: {', '.join(cycle)}. Remove one of the links.",
                self.stages[name].line,
            )
        state[name] = 1
        for upstream in self.upstream[name]:
            self._visit(upstream, state, order, [*path, name])
        state[name] = 2
        order.append(name)

    def select(
        self, targets: Iterable[str], single: bool = False, downstream: bool = False
    ) -> list[str]:
        """The stages to consider for ``targets`` (all when none), in running order."""
        names = [found for target in targets for found in self._addressed(target)]
        if not names:
            return list(self.order)
        chosen = set(names)
        if downstream:
            chosen |= self._closure(names, self._downstream_of)
        elif not single:
            # A frozen stage is cut from its dependencies, as in DVC.
            chosen |= self._closure(names, self._upstream_unless_frozen)
        return [name for name in self.order if name in chosen]

    def _addressed(self, target: str) -> list[str]:
        """The stages ``target`` names: a stage (``sub/dvc.yaml:name``) or a whole file."""
        if target in self.stages:
            return [target]
        file, _, name = target.rpartition(":")
        if file.removeprefix("./") == "dvc.yaml" and name in self.stages:
            return [name]
        cleaned = target.removeprefix("./").rstrip("/")
        if cleaned.endswith("dvc.yaml") or cleaned in self.folders():
            file = cleaned if cleaned.endswith("dvc.yaml") else f"{cleaned}/dvc.yaml"
            found = [a for a, stage in self.stages.items() if stage.dvcfile == file]
            if found:
                return found
        raise UnknownStageError(self.relpath, f"no stage named '{target}'")

    def default_targets(self, folder: str = ".") -> list[str]:
        """What ``repro`` without targets runs, as DVC: the stages of ``folder``'s dvc.yaml.

        Every stage when that folder has none (``-P``, ``--all-pipelines``, asks for all).
        """
        file = "dvc.yaml" if folder in ("", ".") else f"{folder}/dvc.yaml"
        found = [a for a, stage in self.stages.items() if stage.dvcfile == file]
        return found or list(self.stages)

    def folders(self) -> set[str]:
        """The folders holding a ``dvc.yaml`` with stages (root-relative)."""
        return {stage.dvcfile.rpartition("/")[0] for stage in self.stages.values()}

    def _upstream_unless_frozen(self, name: str) -> list[str]:
        return [] if self.stages[name].frozen else self.upstream[name]

    def _downstream_of(self, name: str) -> list[str]:
        return [other for other, ups in self.upstream.items() if name in ups]

    def _closure(self, names: list[str], step: Callable[[str], list[str]]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        while todo:
            for nxt in step(todo.pop()):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen
