"""The one way live_nb reaches Git: ``git`` subprocesses, plus a pipelined object reader.

Every Git call of the project goes through :class:`Repository`. Commands that
meet a lock held by another Git process (``index.lock``, a ref lock) are retried
briefly, then reported as :class:`GitLockedError`. Raw tree and commit objects
(what :class:`ObjectReader` returns) are parsed by :func:`parse_tree` and
:func:`parse_commit`; Git's file modes are named here too.
"""

from __future__ import annotations

import contextlib
import os
import re
import shlex
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path

from live_nb.error import LiveNbError
from live_nb.records import field, record

ZERO_SHA = "0" * 40  # "absent" to update_ref, whatever the object format (SHA-1 or SHA-256)
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
# A tree entry: "<mode> <name>\0<raw oid>"; the oid is 20 bytes (SHA-1) or 32 (SHA-256).
_TREE_ENTRIES = {
    size: re.compile(rb"([0-7]{5,6}) ([^\x00]*)\x00(.{%d})" % size, re.S) for size in (20, 32)
}
_UNSAFE_MESSAGE = "detected dubious ownership"
_SAFE_DIRECTORY = re.compile(r"safe\.directory (.+)$", re.M)


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


class UnsafeRepositoryError(NotAGitRepositoryError):
    """Git refuses the repository: it is owned by someone else (``safe.directory``)."""

    def __init__(self, path: Path, repository: str) -> None:
        """Name the repository Git refused, and the command that marks it safe."""
        self.path = path
        self.repository = repository
        command = f"git config --global --add safe.directory {shlex.quote(repository)}"
        GitError.__init__(
            self,
            f"Git refuses the repository at {repository!r}: it is owned by another user "
            f'("dubious ownership"). If you trust it, mark it safe with `{command}`, then try '
            "again.",
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


@record
class Repository:
    """A Git repository with a working tree."""

    root: Path
    git_dir: Path
    _reader: ObjectReader | None = field(default=None, repr=False)
    _listing: dict[str, list[tuple[str, str, bool]]] | None = field(default=None, repr=False)

    @classmethod
    def discover(cls, start: str | os.PathLike[str] = ".") -> Repository:
        """The repository that contains ``start``; raises when there is none or it is bare."""
        return cls._discover(start, with_head=False)[0]

    @classmethod
    def discover_with_head(
        cls, start: str | os.PathLike[str] = "."
    ) -> tuple[Repository, str | None]:
        """:meth:`discover`, and HEAD's commit (None without commits), in one ``git`` process."""
        return cls._discover(start, with_head=True)

    @classmethod
    def _discover(
        cls, start: str | os.PathLike[str], with_head: bool
    ) -> tuple[Repository, str | None]:
        start_path = Path(start).absolute()
        folder = start_path if start_path.is_dir() else start_path.parent
        args = ["rev-parse", "--is-bare-repository", "--absolute-git-dir", "--show-toplevel"]
        if with_head:  # quietly fails (status 1) after the three lines when there is no commit
            args += ["--verify", "--quiet", "HEAD^{commit}"]
        status, output, stderr = _git(folder, args)
        lines = output.decode("utf-8", "surrogateescape").splitlines()
        if status != 0 and len(lines) < 2:
            raise _not_a_repository(start_path, stderr)
        if lines[0] == "true":
            raise BareRepositoryError(start_path)
        unborn = with_head and status == 1 and len(lines) == 3
        if (status != 0 and not unborn) or len(lines) < 3:  # e.g. run from inside .git
            raise NotAGitRepositoryError(start_path)
        head = lines[3] if with_head and len(lines) > 3 else None
        return cls(Path(lines[2]), Path(lines[1])), head

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
        strip: bool = True,
    ) -> str:
        """Run ``git *args`` in the working tree and return its standard output."""
        output = self._execute(args, env, input, check, strip, as_text=True)
        return str(output)

    def run_bytes(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
    ) -> bytes:
        """Run ``git *args`` and return its standard output as bytes, unstripped.

        For output that holds paths (``-z``): a path is any bytes, not always UTF-8.
        """
        output = self._execute(args, env, input, check, strip=False, as_text=False)
        assert isinstance(output, bytes)
        return output

    def _execute(
        self,
        args: tuple[str, ...],
        env: Mapping[str, str] | None,
        input: bytes | None,
        check: bool,
        strip: bool,
        as_text: bool,
    ) -> str | bytes:
        """Run ``git *args``, retrying while another Git process holds a lock."""
        deadline = time.monotonic() + _LOCK_RETRY_SECONDS
        while True:
            status, stdout, stderr = self._execute_once(args, env, input, strip, as_text)
            if status == 0 or not check:
                return stdout
            if not any(message in stderr for message in _LOCK_MESSAGES):
                raise GitCommandError(list(args), status, stderr)
            if time.monotonic() > deadline:
                raise GitLockedError(stderr)
            time.sleep(0.05)

    def _execute_once(
        self,
        args: tuple[str, ...],
        env: Mapping[str, str] | None,
        input: bytes | None,
        strip: bool,
        as_text: bool,
    ) -> tuple[int, str | bytes, str]:
        status, stdout, stderr = _git(self.root, args, env, input)
        if strip and stdout.endswith(b"\n"):
            stdout = stdout[:-1]
        return status, stdout.decode("utf-8", "surrogateescape") if as_text else stdout, stderr

    def rev_parse(self, revision: str) -> str | None:
        """The full sha of ``revision``, or None if it does not name a commit."""
        output = self.run("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", check=False)
        return output or None

    def head(self) -> str | None:
        """HEAD's commit, or None in a repository without commits."""
        return self.rev_parse("HEAD")

    def refs(self, prefix: str) -> list[tuple[str, str]]:
        """``(refname, sha)`` of every ref under ``prefix``, in one ``for-each-ref``.

        Inside :meth:`listing_refs`'s block, a prefix it listed is answered from its listing.
        """
        return [(name, sha) for name, sha, _ in self.listed_refs(prefix)]

    def listed_refs(self, *prefixes: str) -> list[tuple[str, str, bool]]:
        """``(refname, sha, is HEAD's branch)`` of every ref under ``prefixes``, in ref order."""
        kept = self._listing
        if kept is not None and all(prefix.rstrip("/") in kept for prefix in prefixes):
            return [ref for prefix in prefixes for ref in kept[prefix.rstrip("/")]]
        output = self.run("for-each-ref", "--format=%(HEAD)%(objectname) %(refname)", *prefixes)
        found = []
        for line in output.splitlines():
            sha, _, name = line[1:].partition(" ")
            found.append((name, sha, line[0] == "*"))
        return found

    @contextlib.contextmanager
    def listing_refs(self, prefixes: Sequence[str]) -> Iterator[None]:
        """Read the refs under ``prefixes`` once, in one ``for-each-ref``, for the block.

        :meth:`refs` and :meth:`listed_refs` of those prefixes answer from it: a reader that
        asks for several families of refs (experiments, stars, notes, branches and tags)
        starts one Git process, not one each, and sees them all as of one moment.
        """
        roots = [prefix.rstrip("/") for prefix in prefixes]
        listing: dict[str, list[tuple[str, str, bool]]] = {root: [] for root in roots}
        for ref in self.listed_refs(*roots):
            for root in roots:
                if ref[0] == root or ref[0].startswith(f"{root}/"):
                    listing[root].append(ref)
        self._listing = listing
        try:
            yield
        finally:
            self._listing = None

    def update_ref(self, ref: str, new: str, old: str, message: str) -> None:
        """Point ``ref`` at ``new`` only if it still points at ``old`` (ZERO_SHA: absent)."""
        if old == ZERO_SHA:
            old = "0" * len(new)  # the null oid is as long as the repository's object names
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


def _git(
    folder: Path,
    args: Iterable[str],
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
) -> tuple[int, bytes, str]:
    """Run ``git *args`` in ``folder``: exit status, standard output, error output.

    Git's messages are asked for in English (``LC_ALL=C``): some of them are matched here.
    """
    environment = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **(env or {})}
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=folder,
            env=environment,
            input=input,
            stdin=subprocess.DEVNULL if input is None else None,
            capture_output=True,
            check=False,
            # Out of the caller's process group: a Ctrl-C sent to a kernel's group must not
            # kill a commit a background thread is building (the caller still gets its own).
            start_new_session=True,
        )
    except FileNotFoundError as error:
        raise GitNotFoundError() from error
    return done.returncode, done.stdout, done.stderr.decode("utf-8", "replace")


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
            start_new_session=True,  # as in _git: a Ctrl-C to the kernel's group spares it
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
                size = int(header[2])
                content = stdout.read(size + 1)  # and the line break after it: one call
                results[name] = (header[1], content[:size])
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


class GitPipeClosedError(GitError):
    """A long-lived Git process ended (or never started): what it said on its way out."""

    def __init__(self, args: Sequence[str], stderr: str) -> None:
        """Name the command and its last words."""
        self.stderr = stderr
        super().__init__(f"git {' '.join(args)} ended: {stderr.strip() or 'no message'}")


class GitPipe:
    """One long-lived ``git ARGS`` spoken to in lines: many requests, no process start each.

    For ``hash-object --stdin-paths``, ``mktree --batch``, ``update-ref --stdin``.
    Started outside the caller's process group, as every Git command here. Not shared
    between threads: its owner (a checkpoint chain's writer) asks one request at a time.
    """

    def __init__(self, root: Path, args: Sequence[str], env: Mapping[str, str] | None = None):
        """Start ``git *args`` in the working tree ``root``."""
        self.args = list(args)
        environment = {**os.environ, "LANGUAGE": "C", "LC_ALL": "C", **(env or {})}
        try:
            self._process = subprocess.Popen(
                ["git", *self.args],
                cwd=root,
                env=environment,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                start_new_session=True,
            )
        except FileNotFoundError as error:
            raise GitNotFoundError() from error

    def ask(self, request: bytes, replies: int = 1) -> list[bytes]:
        """Send ``request`` and read ``replies`` lines back (without their newlines).

        Raises :class:`GitPipeClosedError`, with Git's message, when the process ended.
        """
        stdin, stdout = self._process.stdin, self._process.stdout
        assert stdin is not None and stdout is not None
        try:
            stdin.write(request)
            stdin.flush()
        except (BrokenPipeError, OSError):
            raise self._closed() from None
        lines = []
        for _ in range(replies):
            line = stdout.readline()
            if not line.endswith(b"\n"):
                raise self._closed()
            lines.append(line[:-1])
        return lines

    def _closed(self) -> GitPipeClosedError:
        self.close()
        stderr = self._process.stderr
        text = stderr.read().decode("utf-8", "replace") if stderr is not None else ""
        return GitPipeClosedError(self.args, text)

    def close(self) -> None:
        """End the process (its input closed: it finishes what it was asked and exits)."""
        if self._process.stdin is not None and not self._process.stdin.closed:
            with contextlib.suppress(OSError):
                self._process.stdin.close()
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._process.stdout is not None:
            self._process.stdout.close()

    def ref_moved(self, error: GitPipeClosedError) -> bool:
        """Whether ``error`` (from ``update-ref --stdin``) says a ref was not where expected."""
        return any(text in error.stderr for text in _REF_MOVED_MESSAGES)


def _not_a_repository(path: Path, stderr: str) -> NotAGitRepositoryError:
    """Why ``git rev-parse`` refused ``path``: not a repository, or one Git does not trust."""
    if _UNSAFE_MESSAGE not in stderr:
        return NotAGitRepositoryError(path)
    found = _SAFE_DIRECTORY.search(stderr)
    return UnsafeRepositoryError(path, found.group(1).strip() if found else str(path))


# ---------------------------------------------------------------------------------------------
# Raw objects


def parse_tree(content: bytes, oid_size: int | None = None) -> dict[str, tuple[str, str]]:
    """``name -> (mode, sha)`` of every entry of a raw tree object (names may be any bytes).

    ``oid_size`` is 20 in SHA-1 repositories and 32 in SHA-256 ones; without it, the size is
    the one whose entries make up the whole object.
    """
    sizes = (oid_size,) if oid_size else tuple(_TREE_ENTRIES)
    for size in sizes:
        entries = _TREE_ENTRIES[size].findall(content)
        covered = sum(len(mode) + len(name) + 2 + size for mode, name, _ in entries)
        if covered == len(content):
            break
    else:  # a damaged object: read what the first size finds, as before
        entries = _TREE_ENTRIES[sizes[0]].findall(content)
    return {
        name.decode("utf-8", "surrogateescape"): (mode.decode("ascii"), sha.hex())
        for mode, name, sha in entries
    }


@record(frozen=True)
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
