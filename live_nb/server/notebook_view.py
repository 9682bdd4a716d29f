"""A run's notebook, as it was run, rendered read-only: HTML that can run nothing.

The notebook comes from the run's commit (never the working tree), as
:func:`live_nb.server.runview.run_files` finds it. It is never executed and never trusted:
outputs that could run code (JavaScript, widget views, anything not a plain text, image,
HTML, Markdown or LaTeX type) are replaced by a line saying what was left out, the
notebook's signature is dropped, and nbconvert renders the rest with its ``sanitize_html``
on (scripts, event handlers and iframes removed from HTML and Markdown). The page keeps no
``<script>`` of nbconvert's template either (its require.js, MathJax and mermaid come from a
CDN) and carries a Content-Security-Policy that lets it load nothing but its inline styles and
``data:`` images: opening a run never reaches the network. The sidebar shows the page in a
sandboxed iframe (no scripts, no same origin) as a further fence.
"""

from __future__ import annotations

import json
import re
from typing import Any

from live_nb.error import LiveNbError
from live_nb.git import Repository

__all__ = [
    "KEPT_OUTPUT_TYPES",
    "MAX_NOTEBOOK_BYTES",
    "POLICY",
    "NoNotebookError",
    "notebook_page",
    "sanitize",
]

MAX_NOTEBOOK_BYTES = 32 * 1024 * 1024
KEPT_OUTPUT_TYPES = frozenset(
    {
        "text/plain",
        "text/html",
        "text/markdown",
        "text/latex",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/svg+xml",
        "application/json",
    }
)


class NoNotebookError(LiveNbError, LookupError):
    """The run's commit holds no notebook to show (answered 404)."""


def notebook_page(repo: Repository, row_id: object) -> dict[str, Any]:
    """``{"name", "path", "kind", "html"}``: the run's notebook, sanitized, as one HTML page."""
    from live_nb.server.runview import run_commit, run_files

    exp, commit = run_commit(repo, row_id)
    files = run_files(repo, commit)
    if files.notebook is None:
        raise NoNotebookError(
            f"The experiment {exp.name!r} holds no notebook: it was not saved from a %%live "
            "cell or with its notebook included."
        )
    content = repo.run_bytes("cat-file", "blob", f"{commit}:{files.notebook}")
    if len(content) > MAX_NOTEBOOK_BYTES:
        raise NoNotebookError(
            f"The notebook {files.notebook!r} of {exp.name!r} is larger than "
            f"{MAX_NOTEBOOK_BYTES // 2**20} MB: open it with `git show {commit[:7]}:"
            f"{files.notebook}` instead."
        )
    html = _render(sanitize(_parse(content, files.notebook)))
    return {"name": exp.name, "path": files.notebook, "kind": files.notebook_kind, "html": html}


def _parse(content: bytes, path: str) -> dict[str, Any]:
    try:
        document = json.loads(content)
    except ValueError as error:
        raise NoNotebookError(f"The notebook {path!r} is not valid JSON: {error}.") from None
    if not isinstance(document, dict) or not isinstance(document.get("cells"), list):
        raise NoNotebookError(f"The file {path!r} is not a Jupyter notebook (no cells).")
    return document


def sanitize(document: dict[str, Any]) -> dict[str, Any]:
    """``document`` with no output that could run code, and no trust: a copy."""
    metadata = dict(document.get("metadata") or {})
    metadata.pop("signature", None)
    metadata.pop("widgets", None)  # saved widget state: the page draws no widget
    cells = []
    for cell in document["cells"]:
        if not isinstance(cell, dict):
            continue
        cell = {**cell, "metadata": {}}
        if cell.get("cell_type") == "code":
            cell["outputs"] = [safe for item in cell.get("outputs") or [] for safe in _safe(item)]
        cells.append(cell)
    return {**document, "metadata": metadata, "cells": cells}


def _safe(output: Any) -> list[dict[str, Any]]:
    """The output with only the kept types, and a line naming what was left out of it."""
    if not isinstance(output, dict):
        return [_left_out("an output that is not an object")]
    if output.get("output_type") not in ("display_data", "execute_result"):
        return [output]
    data = output.get("data") or {}
    kept = {mime: value for mime, value in data.items() if mime in KEPT_OUTPUT_TYPES}
    dropped = sorted(set(data) - set(kept))
    if not kept:
        return [_left_out(", ".join(dropped) or "an empty output")]
    safe = {**output, "data": kept, "metadata": {}}
    return [safe, _left_out(", ".join(dropped))] if dropped else [safe]


def _left_out(what: str) -> dict[str, Any]:
    return {
        "output_type": "display_data",
        "metadata": {},
        "data": {"text/plain": f"[left out of this read-only copy: {what}]"},
    }


def _render(document: dict[str, Any]) -> str:
    import nbformat
    from nbconvert import HTMLExporter

    notebook = nbformat.from_dict(document)
    exporter = HTMLExporter(template_name="lab", sanitize_html=True, embed_images=True)
    exporter.exclude_input_prompt = False
    html, _ = exporter.from_notebook_node(notebook)
    return _offline(str(html))


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"


def _offline(html: str) -> str:
    """The page nbconvert rendered, without its template's scripts, with a policy loading nothing.

    The outputs' own HTML was sanitized before (no script survives there); these are the
    page template's CDN scripts, which the sandboxed frame would fetch and then refuse to run.
    """
    page = _SCRIPT.sub("", html)
    meta = f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">'
    return _HEAD.sub(lambda head: head.group(0) + meta, page, count=1)
