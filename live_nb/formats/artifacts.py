"""Caching artifacts the way ``dvc add`` does, without DVC.

``cache_artifact`` leaves a repository as ``dvc add <path>`` (DVC 3) leaves it: the content
copied into ``.dvc/cache/files/md5`` (under the folder DVC's ``cache.dir`` names, when set),
a ``<path>.dvc`` file, and ``/<name>`` in the ``.gitignore`` beside the path. The workspace
file is linked to its cache object as DVC's ``cache.type`` says (``formats.cachelink``): left
as it is for ``reflink,copy`` (the default), replaced by a hard or symbolic link for
``hardlink`` or ``symlink``. ``restore_artifact`` is the reverse, like ``dvc checkout
<path>.dvc``, with the same link types.

Known differences from DVC: ``.dvcignore`` patterns are not applied (every file in a directory is
tracked, apart from DVC's built-in ignores); an existing ``.dvc`` file is rewritten, so keys
added to it by hand (``desc``, ``meta``...) are lost, where ``dvc add`` keeps them; the
``.gitignore`` entry is skipped only when that exact line is already there, where DVC asks Git
whether the path is ignored by any rule.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
import shutil
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import yaml

from live_nb.env import LIVE_NB_RUN_WORK_TREE
from live_nb.error import ArtifactNotFoundError, InvalidNameError, LiveNbError
from live_nb.formats.cachelink import cache_dir, cache_types, link_to_cache, md5_cache
from live_nb.formats.files import atomic_write, folders_up
from live_nb.formats.sharedlock import exclusive
from live_nb.formats.yaml import dump_yaml, load_yaml

__all__ = [
    "ArtifactChangedError",
    "ArtifactEntry",
    "InvalidDvcFileError",
    "MissingCacheObjectError",
    "ObjectHashMismatchError",
    "cache_artifact",
    "cache_output",
    "ensure_dvc_dir",
    "find_dvc_root",
    "ignore_output",
    "object_path",
    "render_dvc_file",
    "restore_artifact",
    "restore_outputs",
    "store_object",
]

CHUNK_SIZE = 1024 * 1024
_MD5 = re.compile(r"^[0-9a-f]{32}(\.dir)?$")
# DVC makes cache objects read-only, and trusts a read-only object without hashing it again.
_CACHE_MODE = 0o444
# What `dvc init` writes (`.dvc/config` is empty in a Git repository).
_DVC_GITIGNORE = b"/config.local\n/tmp\n/cache\n"
_NO_SCM_CONFIG = b"[core]\n    no_scm = True\n"
_DVCIGNORE = (
    b"# Add patterns of files dvc should ignore, which could improve\n"
    b"# the performance. Learn more at\n"
    b"# https://dvc.org/doc/user-guide/dvcignore\n"
)
# DVC's built-in ignore patterns: `.git`, `.git/`, `.hg/`, `.dvc/`.
_IGNORED_DIRS = frozenset({".git", ".hg", ".dvc"})
# Characters DVC escapes with a backslash in .gitignore entries (pathspec's escape()).
_GITIGNORE_SPECIAL = frozenset("\\[]!*#?")


class MissingCacheObjectError(LiveNbError, FileNotFoundError):
    """``restore_artifact`` needs content that is not in the local DVC cache."""

    def __init__(self, cache_object: Path, target: Path, dvc_file: Path) -> None:
        self.cache_object = cache_object
        self.target = target
        super().__init__(
            f"Cannot restore {str(target)!r}: its content {str(cache_object)!r} is missing from "
            f"the DVC cache. If it was pushed to a DVC remote, run `dvc pull {dvc_file}` first."
        )


class ArtifactChangedError(LiveNbError, OSError):
    """A file changed between hashing it and copying it into the cache."""

    def __init__(self, path: Path) -> None:
        self.path = path
        super().__init__(
            f"Cannot cache artifact {str(path)!r}: it changed while it was being copied into the "
            "DVC cache. Log it again once nothing is writing to it."
        )


class InvalidDvcFileError(LiveNbError, ValueError):
    """A ``.dvc`` file that does not describe any output."""

    def __init__(self, dvc_file: Path, detail: str) -> None:
        self.dvc_file = dvc_file
        super().__init__(f"Cannot restore from {str(dvc_file)!r}: {detail}.")


class ObjectHashMismatchError(LiveNbError, ValueError):
    """Content whose md5 is not the name it was to be stored under."""

    def __init__(self, md5: str, actual: str, source: str) -> None:
        self.md5 = md5
        self.actual = actual
        self.source = source
        super().__init__(
            f"Refused object {md5} from {source}: its content hashes to {actual}, so it is "
            "damaged or was changed after it was stored. Nothing was written under its name; "
            "push a good copy from a cache that has it (or `dvc gc`/delete the bad one there)."
        )


@dataclass(frozen=True)
class ArtifactEntry:
    """One output of a ``.dvc`` file."""

    md5: str  # ends with ".dir" for a directory
    size: int  # for a directory, the total size of its files
    nfiles: int | None  # None for a file
    path: str  # relative to the folder of ``dvc_file``
    dvc_file: Path
    isexec: bool = False


def find_dvc_root(start: Path) -> Path:
    """The nearest folder from ``start`` up holding ``.dvc/``, else the Git top, else ``start``.

    The search stops where Git's would: below the ``GIT_CEILING_DIRECTORIES`` (a headless
    run's folder sits inside the user's ``.git``, which must not be taken for its project).
    """
    start = Path(start).resolve()
    for folder in folders_up(start):
        if (folder / ".dvc").is_dir():
            return folder
    return _git_top(start) or start


def ensure_dvc_dir(root: Path) -> bool:
    """Create what ``dvc init`` creates when ``root/.dvc`` is missing; True when it did.

    Outside a Git work tree this is the ``dvc init --no-scm`` layout. Nothing is staged in Git.
    """
    root = Path(root)
    dvc_dir = root / ".dvc"
    if os.path.lexists(dvc_dir):
        return False
    if _git_top(root.resolve()):
        files = {"config": b"", ".gitignore": _DVC_GITIGNORE}
    else:
        files = {"config": _NO_SCM_CONFIG}
    # Built aside and renamed into place, so DVC never sees a .dvc folder without its config.
    staging = root / f".dvc.{secrets.token_hex(8)}.tmp"
    staging.mkdir()
    try:
        for name, content in files.items():
            (staging / name).write_bytes(content)
        try:
            staging.rename(dvc_dir)
        except OSError:
            if not dvc_dir.is_dir():
                raise
            return False  # another process created it first
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not os.path.lexists(root / ".dvcignore"):
        atomic_write(root / ".dvcignore", _DVCIGNORE)
    return True


def cache_artifact(path: Path, root: Path, link: bool = True) -> ArtifactEntry:
    """Do what ``dvc add path`` does in the DVC repository at ``root``; return the new entry.

    ``link=False`` leaves a file in the working tree as it is (not replaced by a link to its
    cache object): for a file the program may be writing again meanwhile (checkpoints).

    Creates ``root/.dvc`` first when it is missing. Raises ``ArtifactNotFoundError`` for a missing
    path, ``InvalidNameError`` for a path outside ``root``; an unreadable file's ``OSError``
    propagates, leaving the cache, the ``.dvc`` file and the ``.gitignore`` as they were.
    """
    root = Path(root).resolve()
    # Resolve the folder only: a symlinked artifact keeps its own name, as with dvc add.
    absolute = Path(os.path.abspath(path))
    target = absolute.parent.resolve() / absolute.name
    if not target.exists():
        raise ArtifactNotFoundError(path)
    _check_inside(path, target, root)
    ensure_dvc_dir(root)
    cache = md5_cache(root)
    types = cache_types(root / ".dvc")
    if target.is_dir():
        md5, size, nfiles = _cache_directory(target, cache, types if link else ("copy",))
        isexec = False
    else:
        md5, size = _hash_file(target)
        isexec = bool(target.stat().st_mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
        _store_file(target, md5, cache)
        if link:
            _link_back(_object_path(cache, md5), target, types)
        nfiles = None
    entry = ArtifactEntry(
        md5=md5,
        size=size,
        nfiles=nfiles,
        path=target.name,
        dvc_file=target.with_name(target.name + ".dvc"),
        isexec=isexec,
    )
    atomic_write(entry.dvc_file, render_dvc_file(entry))
    if _uses_git(root):
        _add_to_gitignore(target)
    return entry


Signature = tuple[int, int, int]
"""A file's inode, size and modification time (ns): it is unchanged while these are."""


def signature(path: Path) -> Signature | None:
    """``path``'s :data:`Signature`, None when it is no file."""
    try:
        found = os.stat(path)
    except OSError:
        return None
    return (found.st_ino, found.st_size, found.st_mtime_ns)


def snapshot_artifact(
    path: Path, root: Path, expected: Signature | None = None, attempts: int = 3
) -> ArtifactEntry:
    """``cache_artifact(path, root, link=False)`` for a file a program may be rewriting.

    The file is read once, hashed while it is copied into the cache, and taken only when its
    :data:`Signature` is the same before and after (and is ``expected``, when given: the file
    as it was at a known good moment): a copy made while the file was being written is
    dropped and tried again, up to ``attempts`` times, then :class:`ArtifactChangedError`.
    A folder is cached as ``cache_artifact`` caches it.
    """
    root = Path(root).resolve()
    absolute = Path(os.path.abspath(path))
    target = absolute.parent.resolve() / absolute.name
    if not target.is_file():
        return cache_artifact(path, root, link=False)
    _check_inside(path, target, root)
    ensure_dvc_dir(root)
    cache = md5_cache(root)
    for _ in range(attempts):
        copied = _copy_once(target, cache, expected)
        if copied is not None:
            md5, size, mode = copied
            break
    else:
        raise ArtifactChangedError(target)
    isexec = bool(mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH))
    entry = ArtifactEntry(
        md5, size, None, target.name, target.with_name(target.name + ".dvc"), isexec
    )
    atomic_write(entry.dvc_file, render_dvc_file(entry))
    if _uses_git(root):
        _add_to_gitignore(target)
    return entry


def _copy_once(
    source: Path, cache: Path, expected: Signature | None
) -> tuple[str, int, int] | None:
    """Copy ``source`` into the cache under its MD5; None if it changed while being read."""
    temp = cache / f".{secrets.token_hex(8)}.tmp"
    temp.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.md5(usedforsecurity=False)
    try:
        with open(source, "rb") as reader:
            before = os.fstat(reader.fileno())
            with open(temp, "xb") as writer:
                while chunk := reader.read(CHUNK_SIZE):
                    digest.update(chunk)
                    writer.write(chunk)
        first = (before.st_ino, before.st_size, before.st_mtime_ns)
        if signature(source) != first or expected not in (None, first):
            return None
        md5 = digest.hexdigest()
        cache_object = _object_path(cache, md5)
        if cache_object.exists():
            return md5, before.st_size, before.st_mode
        cache_object.parent.mkdir(parents=True, exist_ok=True)
        temp.chmod(_CACHE_MODE)
        temp.replace(cache_object)
        return md5, before.st_size, before.st_mode
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()


def cache_output(target: Path, root: Path) -> str:
    """Store a stage's output in DVC 3's cache and link it back, as ``dvc repro`` does.

    ``target`` is a file or folder inside the DVC repository at ``root``; it is added to
    the neighbouring ``.gitignore`` when the project uses Git. Returns its md5 (``.dir``
    for a folder).
    """
    cache = md5_cache(root)
    types = cache_types(root / ".dvc")
    if target.is_dir():
        md5 = _cache_directory(target, cache, types)[0]
    else:
        md5 = _hash_file(target)[0]
        _store_file(target, md5, cache)
        _link_back(_object_path(cache, md5), target, types)
    if _uses_git(root):
        _add_to_gitignore(target)
    return md5


def render_dvc_file(entry: ArtifactEntry) -> str:
    """The text ``dvc add`` writes to a new ``.dvc`` file for ``entry``."""
    out: dict[str, Any] = {"md5": entry.md5, "size": entry.size}
    if entry.nfiles is not None:
        out["nfiles"] = entry.nfiles
    if entry.isexec:
        out["isexec"] = True
    out["hash"] = "md5"
    out["path"] = entry.path
    return dump_yaml({"outs": [out]})


def restore_artifact(dvc_file: Path) -> None:
    """Copy the outputs of ``dvc_file`` from the cache back to the workspace, like dvc checkout.

    Every object is checked before anything is written, so a missing one
    (``MissingCacheObjectError``) leaves the workspace as it was. Files in a restored folder that
    the ``.dvc`` file does not list are left alone (``dvc checkout`` asks before removing them).
    """
    dvc_file = Path(dvc_file)
    restore_outputs(_read_outs(dvc_file), dvc_file.parent, dvc_file)


def restore_outputs(
    outs: list[dict[str, Any]], base: Path, source: Path, ignore: bool = False
) -> None:
    """Check ``outs`` (paths relative to ``base``) out of the cache, as ``restore_artifact``.

    ``source`` is the file that names them (a ``.dvc`` file or a ``dvc.lock``), for messages.
    With ``ignore``, each output gets its ``.gitignore`` entry as ``dvc checkout`` adds it: a
    ``dvc.lock`` experiment saved by DVC holds none.
    """
    root = find_dvc_root(base)
    copies = [copy for out in outs for copy in _planned_copies(out, base, source, root)]
    for out in outs:
        if out["md5"].endswith(".dir"):  # an empty folder has no file that would recreate it
            (base / out["path"]).mkdir(parents=True, exist_ok=True)
    types = cache_types(root / ".dvc")
    for cache_object, target, isexec in copies:
        kind = link_to_cache(cache_object, target, types)
        if isexec and kind in ("copy", "reflink"):  # a link shares the object's own mode
            target.chmod(target.stat().st_mode | stat.S_IEXEC)
    for out in outs if ignore else ():
        ignore_output(base / out["path"], root)


def _link_back(cache_object: Path, target: Path, types: tuple[str, ...]) -> None:
    """Link a just-cached workspace file to its object, as ``dvc add`` does.

    A copy is what the workspace already holds, so ``copy`` leaves it; a reflink, hard or
    symbolic link replaces it when the file system allows, else the next type is tried.
    """
    for kind in types:
        if kind == "copy":
            return
        try:
            link_to_cache(cache_object, target, (kind,))
        except OSError:
            continue
        return


def _git_top(start: Path) -> Path | None:
    """The Git work tree's top at or above ``start``; a headless run's folder counts as one."""
    run_folder = os.environ.get(LIVE_NB_RUN_WORK_TREE)
    run_top = Path(run_folder).resolve() if run_folder else None
    for folder in folders_up(start):
        if (folder / ".git").exists() or (run_top is not None and folder.resolve() == run_top):
            return folder
    return None


def _check_inside(given: Path, target: Path, root: Path) -> None:
    try:
        parts = target.relative_to(root).parts
    except ValueError:
        raise InvalidNameError(
            "artifact path", given, f"it is outside the repository at {str(root)!r}"
        ) from None
    if not parts:
        raise InvalidNameError("artifact path", given, "it is the repository itself")
    if ".dvc" in parts or ".git" in parts:
        raise InvalidNameError("artifact path", given, "it is inside DVC's or Git's own folder")


def _object_path(cache: Path, md5: str) -> Path:
    return cache / md5[:2] / md5[2:]


def object_path(cache: Path, md5: str) -> Path:
    """Where object ``md5`` (``...`` or ``....dir``) lives under ``cache`` (``files/md5``)."""
    return _object_path(cache, md5)


def store_object(cache: Path, md5: str, chunks: Iterable[bytes], source: str) -> int:
    """Write an object streamed as ``chunks`` into ``cache``, read-only as DVC keeps them.

    The content is hashed as it is written to a temporary sibling, and renamed under its name
    only when it hashes to ``md5`` (without a ``.dir`` suffix); otherwise nothing is left and
    ``ObjectHashMismatchError`` names ``source``. Returns the number of bytes written.
    """
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    with _new_file(_object_path(cache, md5), _CACHE_MODE) as writer:
        for chunk in chunks:
            digest.update(chunk)
            writer.write(chunk)
            size += len(chunk)
        if digest.hexdigest() != md5.removesuffix(".dir"):
            raise ObjectHashMismatchError(
                md5, digest.hexdigest() + ".dir" * md5.endswith(".dir"), source
            )
    return size


def _hash_file(path: Path) -> tuple[str, int]:
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


@contextlib.contextmanager
def _new_file(target: Path, mode: int | None = None) -> Iterator[BinaryIO]:
    """Write ``target`` through a temporary sibling renamed over it, so no one sees it half done."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{secrets.token_hex(8)}.tmp")
    # 0o666 lets the umask decide the permissions, as for any new file.
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as destination:
            yield destination
        if mode is not None:
            temp.chmod(mode)
        temp.replace(target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def _store_file(source: Path, md5: str, cache: Path) -> None:
    cache_object = _object_path(cache, md5)
    if cache_object.exists():
        return
    digest = hashlib.md5(usedforsecurity=False)
    with open(source, "rb") as reader, _new_file(cache_object, _CACHE_MODE) as writer:
        while chunk := reader.read(CHUNK_SIZE):
            digest.update(chunk)
            writer.write(chunk)
        # The object's name must be the hash of what was copied, not of what was hashed before.
        if digest.hexdigest() != md5:
            raise ArtifactChangedError(source)


def _cache_directory(folder: Path, cache: Path, types: tuple[str, ...]) -> tuple[str, int, int]:
    # Hash every file before storing any, so an unreadable file leaves the cache as it was.
    files = [(relpath, source, *_hash_file(source)) for relpath, source in _list_files(folder)]
    for _, source, md5, _ in files:
        _store_file(source, md5, cache)
    for _, source, md5, _ in files:
        _link_back(_object_path(cache, md5), source, types)
    manifest = [{"md5": md5, "relpath": relpath} for relpath, _, md5, _ in files]
    data = json.dumps(manifest, sort_keys=True).encode("utf-8")
    md5 = hashlib.md5(data, usedforsecurity=False).hexdigest() + ".dir"
    manifest_object = _object_path(cache, md5)
    if not manifest_object.exists():
        with _new_file(manifest_object, _CACHE_MODE) as writer:
            writer.write(data)
    return md5, sum(size for *_, size in files), len(files)


def _raise(error: OSError) -> None:
    raise error


def _list_files(folder: Path) -> list[tuple[str, Path]]:
    """(posix relpath, path) of the files DVC tracks in ``folder``, sorted as in a .dir object.

    Symlinks to files are followed; symlinked folders and nested DVC repositories are skipped.
    """
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(folder, onerror=_raise):
        here = Path(dirpath)
        dirnames[:] = [
            name
            for name in dirnames
            if name not in _IGNORED_DIRS and not (here / name / ".dvc").exists()
        ]
        found += [
            ((here / name).relative_to(folder).as_posix(), here / name)
            for name in filenames
            if name != ".git"
        ]
    return sorted(found)


def _uses_git(root: Path) -> bool:
    """Whether DVC works with Git at ``root``, and so ``dvc add`` updates .gitignore files."""
    return _git_top(root) is not None and not _no_scm(root / ".dvc")


def _no_scm(dvc_dir: Path) -> bool:
    no_scm = False
    for name in ("config", "config.local"):  # config.local overrides config
        try:
            lines = (dvc_dir / name).read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            continue
        section = ""
        for line in lines:
            text = line.strip()
            key, _, value = text.partition("=")
            if text.startswith("["):
                section = text.strip("[]").strip()
            elif section == "core" and key.strip() == "no_scm":
                no_scm = value.strip().lower() in ("true", "yes", "on", "1")
    return no_scm


def ignore_output(target: Path, root: Path) -> None:
    """Add ``target`` to its folder's ``.gitignore`` now, as caching it will (``dvc add``).

    For a file declared before it exists: Git must not take it into a commit meanwhile. A
    path outside ``root`` is left alone (nothing is written outside the project).
    """
    absolute, project = Path(os.path.abspath(target)), Path(os.path.abspath(root))
    if absolute == project or not absolute.is_relative_to(project):
        return
    if _uses_git(root):
        _add_to_gitignore(absolute)


def _add_to_gitignore(target: Path) -> None:
    entry = "/" + "".join(f"\\{ch}" if ch in _GITIGNORE_SPECIAL else ch for ch in target.name)
    gitignore = target.parent / ".gitignore"
    with exclusive(gitignore):  # runs at once: each line checked for and added in turn
        try:
            text = gitignore.read_text(encoding="utf-8")
        except FileNotFoundError:
            text = ""
        if entry in (line.rstrip("\r") for line in text.split("\n")):
            return
        separator = "\n" if text and not text.endswith("\n") else ""
        with open(gitignore, "a", encoding="utf-8") as fobj:
            fobj.write(f"{separator}{entry}\n")  # one write: a reader sees it whole or not


def _read_outs(dvc_file: Path) -> list[dict[str, Any]]:
    try:
        data = load_yaml(dvc_file.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise InvalidDvcFileError(dvc_file, f"it is not valid YAML ({error})") from None
    outs = data.get("outs") if isinstance(data, dict) else None
    if not outs or not isinstance(outs, list):
        raise InvalidDvcFileError(dvc_file, "it has no 'outs' list")
    for out in outs:
        if not (isinstance(out, dict) and isinstance(out.get("md5"), str)):
            raise InvalidDvcFileError(dvc_file, f"output {out!r} has no md5")
        if not isinstance(out.get("path"), str):
            raise InvalidDvcFileError(dvc_file, f"output {out!r} has no path")
    return outs


def _check_name(md5: str, path: str, dvc_file: Path, where: str) -> None:
    """Refuse an md5 that is not one (it names a cache path) and an empty or absolute path."""
    if not _MD5.match(md5):
        raise InvalidDvcFileError(dvc_file, f"{where} has {md5!r}, which is not an md5")
    if not path or os.path.isabs(path) or "\0" in path:
        raise InvalidDvcFileError(dvc_file, f"{where} names {path!r}, not a relative path")


def _planned_copies(
    out: dict[str, Any], base: Path, dvc_file: Path, root: Path
) -> list[tuple[Path, Path, bool]]:
    """(cache object, workspace path, isexec) for each file of ``out``; all objects exist."""
    cache = cache_dir(root / ".dvc")
    if out.get("hash") == "md5":
        cache = cache / "files" / "md5"  # DVC 2 files, without `hash: md5`, use the old layout
    _check_name(out["md5"], out["path"], dvc_file, "its output path")
    target = base / out["path"]
    _check_inside(out["path"], target.parent.resolve() / target.name, root.resolve())
    cache_object = _object_path(cache, out["md5"])
    if not cache_object.is_file():
        raise MissingCacheObjectError(cache_object, target, dvc_file)
    if not out["md5"].endswith(".dir"):
        return [(cache_object, target, out.get("isexec") is True)]
    copies = []
    entries = json.loads(cache_object.read_bytes())
    for item in entries if isinstance(entries, list) else ():
        if not isinstance(item, dict) or not isinstance(item.get("relpath"), str):
            raise InvalidDvcFileError(dvc_file, f"its manifest {out['md5']} has an invalid entry")
        _check_name(str(item.get("md5")), item["relpath"], dvc_file, f"manifest {out['md5']}")
        if ".." in PurePosixPath(item["relpath"]).parts or item["relpath"].startswith("/"):
            raise InvalidDvcFileError(
                dvc_file, f"its manifest {out['md5']} names {item['relpath']!r}, outside its folder"
            )
        file_object = _object_path(cache, item["md5"])
        file_target = target / item["relpath"]
        if not file_object.is_file():
            raise MissingCacheObjectError(file_object, file_target, dvc_file)
        copies.append((file_object, file_target, False))
    return copies
