"""Notes on experiments: free text a person writes about a run, kept in Git beside it.

A note is a Git note on the experiment's commit under ``refs/notes/live-nb`` (``git notes
--ref=live-nb``): the experiment's commit, its sha and its ref stay as they are, so DVC,
checkpoint chains and pushed copies keep working; ``git log --notes=live-nb`` shows the note,
and ``git push <remote> refs/notes/live-nb`` shares it (``dvc exp push`` moves only the
experiment refs). :func:`show` lists notes in a ``Notes`` column. A note is one paragraph of at
most :data:`MAX_NOTE` characters; an empty note removes it.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from live_nb.error import LiveNbError
from live_nb.git import Repository

__all__ = ["MAX_NOTE", "NOTES_REF", "InvalidNoteError", "read_notes", "set_note"]

NOTES_REF = "refs/notes/live-nb"
MAX_NOTE = 2000


class InvalidNoteError(LiveNbError, ValueError):
    """A note that is too long or holds control characters."""


def set_note(name: str, text: str, path: str | os.PathLike[str] = ".") -> str:
    """Write ``text`` as the note of experiment ``name`` (empty: remove it); what was done."""
    from live_nb.experiments.refs import resolve

    text = _checked(text)
    with Repository.discover(path) as repo:
        exp, commit = resolve(repo, name)
        if text:
            repo.run("notes", f"--ref={NOTES_REF}", "add", "-f", "-m", text, commit)
            return f"Noted on {exp.name}: {text}"
        repo.run("notes", f"--ref={NOTES_REF}", "remove", "--ignore-missing", commit)
        return f"Removed the note of {exp.name}."


def read_notes(repo: Repository, commits: Iterable[str] | None = None) -> dict[str, str]:
    """``{commit: note}`` for the commits that have one (of ``commits``, when given)."""
    if not repo.refs(NOTES_REF):  # one ref, or none: no `git notes` process then
        return {}
    listing = repo.run("notes", f"--ref={NOTES_REF}", "list", check=False).split("\n")
    pairs = [line.split() for line in listing if line.strip()]
    wanted = None if commits is None else set(commits)
    blobs = {commit: blob for blob, commit in pairs if wanted is None or commit in wanted}
    found = repo.objects().read_many(blobs.values())
    notes = {}
    for commit, blob in blobs.items():
        content = found.get(blob)
        if content is not None:
            notes[commit] = content[1].decode("utf-8", "replace").strip()
    return notes


def _checked(text: str) -> str:
    if not isinstance(text, str):
        raise InvalidNoteError(f"A note is text, not {type(text).__name__}.")
    text = " ".join(text.split())  # one paragraph: line breaks and tabs become spaces
    if len(text) > MAX_NOTE:
        raise InvalidNoteError(
            f"A note holds at most {MAX_NOTE} characters ({len(text)} given): shorten it."
        )
    if any(ord(char) < 32 or ord(char) == 127 for char in text):
        raise InvalidNoteError("A note cannot hold control characters.")
    return text
