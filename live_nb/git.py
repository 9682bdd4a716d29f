"""The one way live_nb reaches Git: GitPython's command object, plus a pipelined object reader.

Every Git call of the project goes through :class:`Repository`. Commands that
meet a lock held by another Git process (``index.lock``, a ref lock) are retried
briefly, then reported as :class:`GitLockedError`. Raw tree and commit objects
(what :class:`ObjectReader` returns) are parsed by :func:`parse_tree` and
:func:`parse_commit`; Git's file modes are named here too.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError

ZERO_SHA = "0" * 40
# Git's file modes, as tree objects and `git ls-tree` spell them.
TREE_MODE = "40000"
REGULAR_MODE = "100644"
EXECUTABLE_MODE = "100755"
SYMLINK_MODE = "120000"
GITLINK_MODE = "160000"  # a submodule: the commit it is at
_LOCK_MESSAGES = (".lock': File exists", "index.lock")
_REF_MOVED_MESSAGES = ("reference already exists", "but expected", "unable to resolve reference")
_LOCK_RETRY_SECONDS = 2.0
_OBJECT_TYPES = ("blob", "tree", "commit", "tag")
_TREE_ENTRY = re.compile(rb"([0-7]+) ([^\x00]*)\x00(.{20})", re.S)


class GitError(LiveNbError, RuntimeError):
    """A Git command failed."""


class GitNotFoundError(GitError):
    """No ``git`` executable on PATH."""

    def __init__(self) -> None:
        """Say to install Git."""
        super().__init__("Git is not installed or not on PATH. Install Git to save experiments.")


class NotAGitRepositoryError(GitError):
    """The folder is not inside a Git repository."""

    def __init__(self, path: Path) -> None:
        """Name the folder, and how to make a repository of it."""
        self.path = path
        super().__init__(
            f"{str(path)!r} is not inside a Git repository. Run `git init` and make a first "
            "commit to save experiments."
        )


class BareRepositoryError(GitError):
    """The repository has no working tree."""

    def __init__(self, path: Path) -> None:
        """Name the repository, and where to run instead."""
        super().__init__(
            f"{str(path)!r} is a bare Git repository: it has no working tree to save. "
            "Run from a clone with a working tree."
        )


class GitLockedError(GitError):
    """Another Git process kept a lock past the retry delay."""

    def __init__(self, detail: str) -> None:
        """Say what is locked (Git's ``detail``) and what to do."""
        super().__init__(
            "Another Git process holds a lock in this repository and did not release it within "
            f"{_LOCK_RETRY_SECONDS:.0f} s ({detail.strip()}). Wait for it to finish, or remove "
            "the stale .lock file if no Git process is running, then try again."
        )


class RefChangedError(GitError):
    """A compare-and-swap ref update lost a race: the ref was not where we expected it."""

    def __init__(self, ref: str, detail: str) -> None:
        """Name the ref; ``detail`` is Git's message."""
        self.ref = ref
        super().__init__(f"{ref} was changed by someone else meanwhile ({detail.strip()}).")


class GitCommandError(GitError):
    """A Git command exited with an error; ``status`` and ``stderr`` say how."""

    def __init__(self, args: list[str], status: int, stderr: str) -> None:
        """Show the command, its exit status and its error output."""
        self.args_ = args
        self.status = status
        self.stderr = stderr
        super().__init__(f"`git {' '.join(args)}` failed ({status}): {stderr.strip()}")


@dataclass
class Repository:
    """A Git repository with a working tree."""

    root: Path
    git_dir: Path
    _command: Any = field(repr=False)
    _reader: ObjectReader | None = field(default=None, repr=False)

    @classmethod
    def discover(cls, start: str | os.PathLike[str] = ".") -> Repository:
        """The repository that contains ``start``; raises when there is none or it is bare."""
        try:
            import git
        except ImportError as error:  # pragma: no cover - GitPython is a dependency
            raise GitNotFoundError() from error
        start_path = Path(start).absolute()
        command = git.Git(start_path if start_path.is_dir() else start_path.parent)
        try:
            bare, git_dir = command.execute(
                ["git", "rev-parse", "--is-bare-repository", "--absolute-git-dir"]
            ).splitlines()
        except git.GitCommandNotFound as error:
            raise GitNotFoundError() from error
        except git.GitCommandError as error:
            raise NotAGitRepositoryError(start_path) from error
        if bare == "true":
            raise BareRepositoryError(start_path)
        try:
            top = command.execute(["git", "rev-parse", "--show-toplevel"])
        except git.GitCommandError as error:  # e.g. run from inside the .git folder
            raise NotAGitRepositoryError(start_path) from error
        return cls(Path(top), Path(git_dir), git.Git(top))

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
        strip: bool = True,
    ) -> str:
        """Run ``git *args`` in the working tree and return its standard output."""
        import git

        deadline = time.monotonic() + _LOCK_RETRY_SECONDS
        while True:
            stdin = None
            if input is not None:
                stdin = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
                stdin.write(input)
                stdin.seek(0)
            try:
                status, stdout, stderr = self._command.execute(
                    ["git", *args],
                    env=dict(env) if env else None,
                    istream=stdin,
                    with_extended_output=True,
                    with_exceptions=False,
                    strip_newline_in_stdout=strip,
                )
            except git.GitCommandNotFound as error:
                raise GitNotFoundError() from error
            finally:
                if stdin is not None:
                    stdin.close()
            if status == 0 or not check:
                return str(stdout)
            if not any(message in stderr for message in _LOCK_MESSAGES):
                raise GitCommandError(list(args), status, stderr)
            if time.monotonic() > deadline:
                raise GitLockedError(stderr)
            time.sleep(0.05)

    def rev_parse(self, revision: str) -> str | None:
        """The full sha of ``revision``, or None if it does not name a commit."""
        output = self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
        return output or None

    def head(self) -> str | None:
        """HEAD's commit, or None in a repository without commits."""
        return self.rev_parse("HEAD")

    def refs(self, prefix: str) -> list[tuple[str, str]]:
        """``(refname, sha)`` of every ref under ``prefix``, in one ``for-each-ref``."""
        output = self.run("for-each-ref", "--format=%(refname) %(objectname)", prefix)
        pairs = []
        for line in output.splitlines():
            name, _, sha = line.rpartition(" ")
            pairs.append((name, sha))
        return pairs

    def update_ref(self, ref: str, new: str, old: str, message: str) -> None:
        """Point ``ref`` at ``new`` only if it still points at ``old`` (ZERO_SHA: absent)."""
        try:
            self.run("update-ref", "-m", message, ref, new, old)
        except GitCommandError as error:
            if any(text in error.stderr for text in _REF_MOVED_MESSAGES):
                raise RefChangedError(ref, error.stderr) from error
            raise

    def delete_ref(self, ref: str, old: str) -> None:
        """Delete ``ref`` only if it still points at ``old``."""
        try:
            self.run("update-ref", "-d", ref, old)
        except GitCommandError as error:
            if any(text in error.stderr for text in _REF_MOVED_MESSAGES):
                raise RefChangedError(ref, error.stderr) from error
            raise

    def objects(self) -> ObjectReader:
        """A long-lived ``git cat-file --batch`` for reading many objects quickly."""
        if self._reader is None:
            self._reader = ObjectReader(self.root)
        return self._reader

    def close(self) -> None:
        """Stop the object reader, if one was started."""
        if self._reader is not None:
            self._reader.close()
            self._reader = None

    def __enter__(self) -> Repository:
        """Use the repository in a ``with`` block, which closes it."""
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Close the repository (:meth:`close`)."""
        self.close()


class ObjectReader:
    """Reads Git objects through one ``git cat-file --batch`` process, requests pipelined."""

    def __init__(self, root: Path) -> None:
        """Start ``git cat-file --batch`` in the working tree ``root``."""
        self._process = subprocess.Popen(
            ["git", "cat-file", "--batch"],
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        self._lock = threading.Lock()

    def read(self, name: str) -> tuple[str, bytes] | None:
        """``(type, content)`` of one object (a sha or ``<rev>:<path>``), None when missing."""
        return self.read_many([name])[name]

    def read_many(self, names: Iterable[str]) -> dict[str, tuple[str, bytes] | None]:
        """``(type, content)`` of each object named (None when missing), in one round trip."""
        wanted = list(dict.fromkeys(names))
        if not wanted:
            return {}
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        with self._lock:
            request = "".join(f"{name}\n" for name in wanted).encode("utf-8")

            def send() -> None:
                stdin.write(request)
                stdin.flush()

            writer = threading.Thread(target=send, daemon=True)
            writer.start()  # writing and reading at once keeps both pipes from filling up
            results: dict[str, tuple[str, bytes] | None] = {}
            for name in wanted:
                header = stdout.readline().decode("utf-8").rstrip("\n").rsplit(" ", 2)
                if len(header) != 3 or header[1] not in _OBJECT_TYPES or not header[2].isdigit():
                    results[name] = None  # "<name> missing" or "<name> ambiguous"
                    continue
                content = stdout.read(int(header[2]))
                stdout.read(1)
                results[name] = (header[1], content)
            writer.join()
        return results

    def close(self) -> None:
        """End the ``cat-file`` process."""
        if self._process.poll() is None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait(timeout=5)
        if self._process.stdout is not None:
            self._process.stdout.close()


# ---------------------------------------------------------------------------------------------
# Raw objects


def parse_tree(content: bytes) -> dict[str, tuple[str, str]]:
    """``name -> (mode, sha)`` of every entry of a raw tree object (names may be any bytes)."""
    return {
        name.decode("utf-8", "surrogateescape"): (mode.decode("ascii"), sha.hex())
        for mode, name, sha in _TREE_ENTRY.findall(content)
    }


@dataclass(frozen=True)
class Commit:
    """The parts of a raw commit object that live_nb reads."""

    tree: str
    parent: str | None  # the first parent
    committed: int | None  # committer time, Unix seconds
    zone: str | None  # committer time zone, as "+0200"
    message: str  # every line, as written

    @property
    def subject(self) -> str:
        """The message's first line, without surrounding white space."""
        return self.message.split("\n", 1)[0].strip()

    def committed_at(self) -> datetime | None:
        """The committer time in the committer's time zone; None when either is unreadable."""
        if self.committed is None or self.zone is None:
            return None
        try:
            minutes = int(self.zone[1:3]) * 60 + int(self.zone[3:5])
            offset = timedelta(minutes=-minutes if self.zone[0] == "-" else minutes)
            return datetime.fromtimestamp(self.committed, timezone(offset))
        except (IndexError, ValueError):
            return None


def parse_commit(content: bytes) -> Commit:
    """The tree, first parent, committer time and message of a raw commit object."""
    header, _, message = content.partition(b"\n\n")
    tree = ""
    parent: str | None = None
    committed: int | None = None
    zone: str | None = None
    for line in header.split(b"\n"):
        if line.startswith(b"tree "):
            tree = line[5:].decode("ascii")
        elif line.startswith(b"parent ") and parent is None:
            parent = line[7:].decode("ascii")
        elif line.startswith(b"committer "):
            committed, zone = _committer_time(line)
    return Commit(tree, parent, committed, zone, message.decode("utf-8", "replace"))


def _committer_time(line: bytes) -> tuple[int | None, str | None]:
    """Unix time and zone of a ``committer <name> <email> <time> <zone>`` line."""
    parts = line.rsplit(b" ", 2)
    try:
        committed: int | None = int(parts[1])
    except (IndexError, ValueError):
        committed = None
    zone = parts[2].decode("ascii", "replace") if len(parts) == 3 else None
    return committed, zone
