"""DVC's ``cache.type`` and ``cache.dir``: where the cache is, and how files link to it.

DVC reads ``[cache] type = reflink,hardlink,symlink,copy`` (a comma list, in order of
preference) from its config files, each overriding the one before: the system one, the
global one, ``.dvc/config`` and ``.dvc/config.local``. Unset, a local cache uses
``reflink,copy``. :func:`link_to_cache` makes a workspace file from a cache object with the
first type that works here, as ``dvc add`` and ``dvc checkout`` do.

``[cache] dir = PATH`` moves the cache (``dvc cache dir PATH``): a relative path is relative to
the folder of the config file that sets it (``.dvc/`` for the project's files), ``~`` expanded,
as DVC's ``Config._map_dirs`` resolves it; unset, the cache is ``.dvc/cache``.
:func:`cache_dir` is that folder, :func:`md5_cache` its ``files/md5`` part (DVC 3's objects).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

LINK_TYPES = ("reflink", "hardlink", "symlink", "copy")
DEFAULT_TYPES = ("reflink", "copy")
_FICLONE = 0x40049409  # Linux's ioctl that shares a file's blocks (btrfs, XFS, ...)


def cache_types(dvc_dir: Path) -> tuple[str, ...]:
    """The link types DVC tries, in order, for the repository whose ``.dvc`` is ``dvc_dir``."""
    found: tuple[str, ...] | None = None
    for config in config_files(dvc_dir):
        value = _cache_type_in(config)
        if value is not None:
            found = value
    return found or DEFAULT_TYPES


def cache_dir(dvc_dir: Path) -> Path:
    """The cache folder of the repository whose ``.dvc`` is ``dvc_dir`` (see the notes)."""
    found = Path(dvc_dir) / "cache"
    for config in config_files(Path(dvc_dir)):
        value = _cache_option(config, "dir")
        if value:
            path = os.path.expanduser(value)
            found = Path(os.path.normpath(os.path.join(config.parent, path)))
    return found


def md5_cache(root: Path) -> Path:
    """Where DVC 3 keeps the objects of the project at ``root``: ``<cache dir>/files/md5``."""
    return cache_dir(Path(root) / ".dvc") / "files" / "md5"


def config_files(dvc_dir: Path) -> list[Path]:
    """DVC's config files for ``.dvc`` folder ``dvc_dir``: system, global, repo, local."""
    system = os.environ.get("DVC_SYSTEM_CONFIG_DIR")
    user = os.environ.get("DVC_GLOBAL_CONFIG_DIR")
    if not system or not user:
        try:
            import platformdirs
        except ImportError:  # the XDG folders, where platformdirs puts them on Linux
            xdg = os.environ.get("XDG_CONFIG_DIRS", "/etc/xdg").split(":")[0] or "/etc/xdg"
            home = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
            system = system or os.path.join(xdg, "dvc")
            user = user or os.path.join(home, "dvc")
        else:
            system = system or platformdirs.site_config_dir("dvc", "iterative")
            user = user or platformdirs.user_config_dir("dvc", "iterative")
    repo = [dvc_dir / "config", dvc_dir / "config.local"]
    return [Path(system) / "config", Path(user) / "config", *repo]


def _cache_type_in(config: Path) -> tuple[str, ...] | None:
    value = _cache_option(config, "type")
    if value is None:
        return None
    types = [part.strip().strip("'\"") for part in value.split(",")]
    return tuple(t for t in types if t in LINK_TYPES) or None


def _cache_option(config: Path, name: str) -> str | None:
    """The last ``name = value`` of the ``[cache]`` section of ``config`` (None: not set)."""
    try:
        lines = config.read_text(encoding="utf-8").splitlines()
    except (FileNotFoundError, NotADirectoryError, PermissionError, IsADirectoryError):
        return None
    section = ""
    found = None
    for line in lines:
        text = line.strip()
        if text.startswith("["):
            section = text.strip("[]").strip().strip("'\"")
            continue
        key, equals, value = text.partition("=")
        if section == "cache" and equals and key.strip().lower() == name:
            found = value.strip()
            if len(found) > 1 and found[0] == found[-1] and found[0] in "'\"":
                found = found[1:-1]
    return found


def link_to_cache(cache_object: Path, target: Path, types: tuple[str, ...]) -> str:
    """Make ``target`` from ``cache_object`` with the first of ``types`` that works.

    ``target`` is replaced in one rename, so no one sees it half made. Returns the type used.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    last_error: OSError | None = None
    for kind in types:
        import secrets  # here: `exp show` reads spec.py, which needs only cache_dir

        temp = target.with_name(f".{secrets.token_hex(8)}.tmp")
        try:
            _MAKERS[kind](cache_object, temp)
            os.replace(temp, target)
        except OSError as error:
            last_error = error
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
            continue
        return kind
    raise last_error or OSError(f"no link type of {types!r} works for {target}")


def _reflink(source: Path, temp: Path) -> None:
    import fcntl

    with open(source, "rb") as reader:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            fcntl.ioctl(fd, _FICLONE, reader.fileno())
        finally:
            os.close(fd)
    temp.chmod(0o644 & ~_umask())


def _hardlink(source: Path, temp: Path) -> None:
    os.link(source, temp)


def _symlink(source: Path, temp: Path) -> None:
    os.symlink(source.resolve(), temp)


def _copy(source: Path, temp: Path) -> None:
    import shutil  # here, as secrets: what `exp show` imports of this module stays small

    with open(source, "rb") as reader:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        with os.fdopen(fd, "wb") as writer:
            shutil.copyfileobj(reader, writer, 1024 * 1024)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_MAKERS = {"reflink": _reflink, "hardlink": _hardlink, "symlink": _symlink, "copy": _copy}
