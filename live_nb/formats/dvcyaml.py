"""``dvc.yaml``: the params, metrics, plots and artifacts sections DVC reads.

A fresh file is written as DVCLive writes it. An existing file (the user's,
maybe with stages and comments) is updated as DVCLive updates it: entries
pointing into the output directory are replaced, everything else is kept.
Unlike a full re-dump, the user's text outside the changed sections is kept
byte for byte, comments included. Runs at once in one workspace share the file: each
reads, merges and replaces it under the workspace's lock (:mod:`live_nb.formats.sharedlock`),
so none loses another's entries.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from live_nb.formats.files import atomic_write
from live_nb.formats.sharedlock import exclusive
from live_nb.formats.yaml import dump_yaml, load_yaml

SECTIONS = ("params", "metrics", "plots", "artifacts")
_LIST_ITEM = re.compile(r"^([ \t]*)- ")
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w.-]*):(?:\s|$)")


def write_entries(target: Path, ours: dict[str, Any], live_dir: str) -> None:
    """Merge ``ours`` (a run's sections for ``live_dir``) into ``target``, creating it if missing.

    Read, merged and replaced (temporary sibling, one rename) under the workspace's lock: a
    run writing meanwhile is either fully before or fully after. Raises ValueError when the
    file is not a YAML mapping (nothing is written then).
    """
    with exclusive(target):
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            atomic_write(target, dump_yaml(ours))
            return
        try:
            existing = parse_existing(text)
        except Exception as error:  # the YAML parser's own errors, or not a mapping
            raise ValueError(str(error)) from error
        merged = merge_config(existing, ours, live_dir)
        if merged != existing:
            atomic_write(target, update_text(text, existing, merged))


def merge_config(existing: dict[str, Any], ours: dict[str, Any], live_dir: str) -> dict[str, Any]:
    """``existing`` with its entries under ``live_dir`` replaced by ``ours`` (DVCLive's rules)."""
    prefix = live_dir.rstrip("/") + "/"
    merged = dict(existing)
    for key in ("params", "metrics", "plots"):
        kept = [entry for entry in existing.get(key) or [] if not _points_into(entry, prefix)]
        entries = kept + list(ours.get(key, []))
        if entries:
            merged[key] = entries
        else:
            merged.pop(key, None)
    kept_artifacts = {
        name: meta
        for name, meta in (existing.get("artifacts") or {}).items()
        if not (isinstance(meta, dict) and prefix in str(meta.get("path", prefix)))
    }
    artifacts = {**kept_artifacts, **ours.get("artifacts", {})}
    if artifacts:
        merged["artifacts"] = artifacts
    else:
        merged.pop("artifacts", None)
    return merged


def _points_into(entry: Any, prefix: str) -> bool:
    if isinstance(entry, dict) and len(entry) == 1:
        entry = str(next(iter(entry)))
    if not isinstance(entry, str):
        return False
    if prefix == "./":  # Live(dir="."): only the files of DVCLive's layout are ours
        return entry in ("params.yaml", "metrics.json") or entry.startswith("plots/")
    return prefix in entry


def names_live_files(dvc_file: Path, live_dir: str) -> bool:
    """Whether ``dvc_file`` lists files of a ``Live`` writing into ``live_dir`` (relative to it)."""
    try:
        existing = parse_existing(dvc_file.read_text(encoding="utf-8"))
    except Exception:  # unreadable or not YAML: no evidence either way
        return False
    prefix = live_dir.rstrip("/") + "/"
    return any(
        _points_into(entry, prefix)
        for key in ("params", "metrics", "plots")
        for entry in existing.get(key) or []
    )


def parse_existing(text: str) -> dict[str, Any]:
    """The mapping of an existing dvc.yaml; raises ValueError if it is not one."""
    data = load_yaml(text) if text.strip() else {}
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ValueError("its top level is not a mapping")
    return data


def update_text(text: str, existing: dict[str, Any], merged: dict[str, Any]) -> str:
    """``text`` with its changed top-level sections rewritten and the rest left as it was."""
    blocks = _split_top_level(text)
    seen = {key for key, _ in blocks if key is not None}
    output: list[str] = []
    for key, block in blocks:
        if key not in SECTIONS or merged.get(key) == existing.get(key):
            output.append(block)
        elif key in merged:
            rewritten = _list_keeping_comments(block, merged[key])
            output.append(rewritten or dump_yaml({key: merged[key]}))
    for key in SECTIONS:
        if key in merged and key not in seen:
            if output and not output[-1].endswith("\n"):
                output.append("\n")
            output.append(dump_yaml({key: merged[key]}))
    result = "".join(output)
    try:
        if load_yaml(result) == merged:
            return result
    except Exception:
        pass
    return dump_yaml(merged)


def _list_keeping_comments(block: str, entries: Any) -> str | None:
    """A list section with the user's own items kept as written (comments too), ours after.

    None when ``block`` is not a plain block list; :func:`update_text` checks the result.
    """
    if not isinstance(entries, list):
        return None
    lines = block.splitlines(keepends=True)
    items: list[list[str]] = []
    indent: str | None = None
    for line in lines[1:]:
        match = _LIST_ITEM.match(line)
        if match and (indent is None or match.group(1) == indent):
            indent = match.group(1)
            items.append([line])
        elif items:
            items[-1].append(line)
        elif line.strip() and not line.lstrip().startswith("#"):
            return None
    if indent is None:
        return None
    kept, written = [], []
    for item in items:
        try:
            value = load_yaml(_dedent("".join(item), indent))
        except Exception:
            return None
        if isinstance(value, list) and len(value) == 1 and value[0] in entries:
            kept.append("".join(item))
            written.append(value[0])
    missing = [entry for entry in entries if entry not in written]
    added = dump_yaml(missing).splitlines(keepends=True) if missing else []
    head = "".join(lines[: len(lines) - sum(len(item) for item in items)])
    body = "".join(kept).rstrip("\n") + "\n" if kept else ""
    gap = block[len(block.rstrip("\n")) + 1 :]  # the blank lines before the next section
    return head + body + "".join(indent + line for line in added) + gap


def _dedent(text: str, indent: str) -> str:
    return "".join(
        line[len(indent) :] if line.startswith(indent) else line
        for line in text.splitlines(keepends=True)
    )


def _split_top_level(text: str) -> list[tuple[str | None, str]]:
    """Cut a YAML document into (top-level key, its lines) chunks; other lines get key None."""
    blocks: list[tuple[str | None, list[str]]] = []
    for line in text.splitlines(keepends=True):
        match = _TOP_LEVEL_KEY.match(line)
        if match:
            blocks.append((match.group(1), [line]))
        elif blocks and (blocks[-1][0] is None or _continues_block(line)):
            blocks[-1][1].append(line)
        else:
            blocks.append((None, [line]))
    return [(key, "".join(lines)) for key, lines in blocks]


def _continues_block(line: str) -> bool:
    return line[:1] in (" ", "\t", "-", "\n", "\r") or not line.strip()


def stage_outputs(dvc_file: Path) -> dict[Path, str]:
    """The outputs the stages of ``dvc_file`` declare, each with its stage's name.

    ``outs``, ``metrics`` and ``plots`` entries, as absolute paths.

    Entries still holding ``${...}`` templating, and stages made by ``foreach``/``matrix``,
    are left out: resolving them is DVC's work. A file that cannot be read declares nothing.
    """
    try:
        document = load_yaml(dvc_file.read_text(encoding="utf-8"))
    except Exception:  # unreadable or not YAML: DVC will say so; it declares nothing here
        return {}
    stages = document.get("stages") if isinstance(document, dict) else None
    found: dict[Path, str] = {}
    for name, stage in stages.items() if isinstance(stages, dict) else ():
        if not isinstance(stage, dict) or "do" in stage:
            continue
        wdir = dvc_file.parent / str(stage.get("wdir") or ".")
        for key in ("outs", "metrics", "plots"):
            for entry in stage.get(key) or []:
                path = next(iter(entry), None) if isinstance(entry, dict) else entry
                if isinstance(path, str) and "${" not in path:
                    found[Path(os.path.normpath(wdir / path))] = str(name)
    return found


def output_stage(path: Path, dvc_files: Iterable[Path]) -> str | None:
    """The name of the stage among ``dvc_files`` that outputs ``path``, or None."""
    target = Path(os.path.normpath(path.absolute()))
    for dvc_file in dvc_files:
        stage = stage_outputs(dvc_file).get(target)
        if stage is not None:
            return stage
    return None


def written_by_live(dvc_file: Path) -> bool:
    """Whether ``dvc_file`` holds only the sections ``Live`` writes (no stages, no vars...)."""
    try:
        document = load_yaml(dvc_file.read_text(encoding="utf-8"))
    except Exception:  # unreadable or not YAML: the user's to fix, never ours to delete
        return False
    return isinstance(document, dict) and set(document) <= set(SECTIONS)
