"""What a run's view shows: one experiment read from its commit, as plain data ready for JSON.

The sidebar opens a run (an experiment row) in a main-area view: its charts and latest images
as the one Vega-Lite spec the final output of a ``%%live`` cell draws
(:func:`live_nb.render.vegalite.vegalite`, from a :class:`~live_nb.render.state.DashboardState`
built here from the commit's files), its params and metrics and its diff against its baseline
(:func:`live_nb.experiments.diff.diff`), and where the notebook it ran is kept in the commit
(the execution record ``<dir>/execution.ipynb``, else a committed notebook), which
:mod:`live_nb.server.notebook_view` renders read-only. Everything is read from Git objects:
the working tree is never looked at, so the view shows the run as it was saved.
"""

from __future__ import annotations

import math
import posixpath
import re
from dataclasses import dataclass
from typing import Any

from live_nb.error import LiveNbError
from live_nb.git import Repository

__all__ = ["MAX_IMAGES", "RunFiles", "UnknownRunError", "run_commit", "run_files", "run_view"]

MAX_IMAGES = 40  # image names shown (the latest of each); their bytes are capped too
_IMAGES_DIR = "plots/images"
_RECORD = "execution.ipynb"


class UnknownRunError(LiveNbError, LookupError):
    """A row id that names no experiment of the repository (answered 404)."""

    def __init__(self, row_id: object) -> None:
        """Name the id."""
        super().__init__(
            f"{str(row_id)!r} is not an experiment of this repository (it may have been "
            "removed): refresh the table and open one of its experiment rows."
        )


@dataclass(frozen=True)
class RunFiles:
    """The files of a run's commit the view reads: image blobs by name, the notebook."""

    images: dict[str, str]  # image name ("samples/3.png") -> blob sha
    notebook: str | None  # path in the commit
    notebook_kind: str | None  # "executed" (the execution record) or "committed"


def run_commit(repo: Repository, row_id: object) -> tuple[Any, str]:
    """The :class:`~live_nb.experiments.refs.ExpRef` and commit of experiment ``row_id``."""
    from live_nb.experiments.refs import ExpRef

    if not isinstance(row_id, str) or not row_id:
        raise UnknownRunError(row_id)
    exp = ExpRef.parse(row_id)
    commit = repo.rev_parse(row_id) if exp is not None else None
    if exp is None or commit is None:
        raise UnknownRunError(row_id)
    return exp, commit


def run_files(repo: Repository, commit: str) -> RunFiles:
    """The images (under any ``plots/images`` folder) and notebook of ``commit``'s tree."""
    listing = repo.run("ls-tree", "-r", "-z", "--full-tree", commit).split("\0")
    images: dict[str, str] = {}
    records: list[str] = []
    notebooks: list[str] = []
    for line in listing:
        meta, _, path = line.partition("\t")
        parts = meta.split()
        if len(parts) != 3 or parts[1] != "blob":
            continue
        folder, found, name = path.rpartition(f"{_IMAGES_DIR}/")
        if found and (not folder or folder.endswith("/")):
            images[name] = parts[2]
        elif posixpath.basename(path) == _RECORD:
            records.append(path)
        elif path.endswith(".ipynb"):
            notebooks.append(path)
    if records:
        return RunFiles(images, min(records, key=len), "executed")
    if notebooks:
        return RunFiles(images, min(notebooks, key=len), "committed")
    return RunFiles(images, None, None)


def run_view(repo: Repository, row_id: object) -> dict[str, Any]:
    """Everything the run's view shows (see the module's notes)."""
    from live_nb.render.vegalite import vegalite

    exp, commit = run_commit(repo, row_id)
    files = run_files(repo, commit)
    message = repo.run("log", "-1", "--format=%B", commit).strip()
    state, downsampled = _state(repo, exp.name, commit, files)
    _outcome(state, message)
    difference = _diff(repo, exp.ref)
    logged = [series.name.replace("/", ".") for series in state.series]
    difference["metrics"] = in_logged_order(difference["metrics"], logged)
    return {
        "name": exp.name,
        "id": row_id,
        "commit": commit,
        "baseline": exp.baseline,
        "message": message,
        "spec": vegalite(state),
        "downsampled": downsampled,
        "images": len(state.pictures),
        "images_skipped": state.pictures_skipped,
        "params": [[row["key"], row["new"]] for row in difference["params"]],
        "metrics": [[row["key"], row["new"]] for row in difference["metrics"]],
        "diff": difference,
        "notebook": {"path": files.notebook, "kind": files.notebook_kind}
        if files.notebook
        else None,
    }


def _state(repo: Repository, name: str, commit: str, files: RunFiles) -> tuple[Any, bool]:
    """The run as the renderers take it, and whether a series was thinned."""
    from live_nb.experiments.history import read_histories
    from live_nb.render.state import STATIC_MAX_POINTS, DashboardState, Series

    history = read_histories([commit], repo.root, STATIC_MAX_POINTS)[commit]
    state = DashboardState(title=name, status="saved", running=False)
    downsampled = False
    for metric, series in history.metrics.items():  # the order they were logged in
        state.series.append(Series(metric, series.steps, series.values, len(series.values)))
        if series.values:
            state.step = max(state.step, int(series.steps[-1]) + 1)
            state.latest[metric] = series.values[-1]
        downsampled = downsampled or series.downsampled
    state.pictures, state.pictures_skipped = _pictures(repo, files.images)
    if history.error:
        state.note = history.error
    return state, downsampled


def _outcome(state: Any, message: str) -> None:
    """The run's status and duration in its view's title, from its commit's trailers.

    A ``%%live`` save records them (``Live-Nb-Status``, ``Live-Nb-Duration: 6.116s``); a
    commit without them (``dvc exp save``, a script's save) keeps "saved" and no time.
    """
    from live_nb.experiments.chain import parse_trailers

    trailers = parse_trailers(message)
    status = trailers.get("Live-Nb-Status", "")
    if status:
        state.status = {"ok": "done"}.get(status, status)
    duration = trailers.get("Live-Nb-Duration", "").removesuffix("s")
    if re.fullmatch(r"\d{1,9}(\.\d+)?", duration):  # no "inf", "nan" or "-3" from a hostile commit
        state.elapsed = float(duration)


def _pictures(repo: Repository, images: dict[str, str]) -> tuple[list[Any], int]:
    """The latest image of each name (highest step), within the final output's byte budget."""
    from live_nb.formats.images import image_key, mime_for
    from live_nb.render.state import STATIC_IMAGE_BYTES, Picture

    latest: dict[str, tuple[int, str, str]] = {}
    for file, blob in images.items():
        key, step = image_key(file)
        if not mime_for(file).startswith("image/"):
            continue
        if key not in latest or (step or 0) >= latest[key][0]:
            latest[key] = (step or 0, file, blob)
    chosen = sorted(latest.items())[:MAX_IMAGES]
    found = repo.objects().read_many(blob for _, (_, _, blob) in chosen)
    budget = STATIC_IMAGE_BYTES
    pictures, skipped = [], len(latest) - len(chosen)
    for key, (_, file, blob) in chosen:
        content = found.get(blob)
        if content is None or len(content[1]) > budget:
            skipped += 1
            continue
        budget -= len(content[1])
        pictures.append(Picture(key, file, image_key(file)[1], mime_for(file), content[1]))
    return pictures, skipped


def in_logged_order(rows: list[dict[str, Any]], logged: list[str]) -> list[dict[str, Any]]:
    """Diff rows of metrics (keys as ``train.loss``) in the order ``logged`` names them.

    As the charts: the order the run logged its metrics in; the keys it does not name
    (``step``, other metrics files) follow, in the diff's order.
    """
    rank = {key: index for index, key in enumerate(logged)}
    return sorted(rows, key=lambda row: rank.get(str(row.get("key")), len(rank)))


def _diff(repo: Repository, ref: str) -> dict[str, Any]:
    """The run's diff against its baseline: metrics, params (unchanged ones too), files."""
    from live_nb.experiments.diff import diff

    found = diff(ref, path=repo.root, with_unchanged=True, baseline=True)
    return {
        "old": found.old,
        "new": found.new,
        "metrics": _records(found.metrics),
        "params": _records(found.params),
        "files": [list(item) for item in found.files],
    }


def _records(frame: Any) -> list[dict[str, Any]]:
    """A diff frame's rows as JSON-ready dicts (NaN and numpy scalars made plain)."""
    import pandas as pd

    rows = []
    for record in frame.to_dict("records"):
        rows.append(
            {
                key: None if pd.api.types.is_scalar(value) and pd.isna(value) else _plain(value)
                for key, value in record.items()
            }
        )
    return rows


def _plain(value: Any) -> Any:
    item = getattr(value, "item", None)
    if callable(item) and not isinstance(value, (list, dict, str)):
        try:
            value = item()
        except (TypeError, ValueError):
            value = str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else str(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    return str(value)
