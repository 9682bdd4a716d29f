"""DVC's remotes as DVC reads and writes them (``dvc/config.py``, ``dvc/commands/remote.py``).

Four files, each overriding the one before key by key: the system and global config, then
``.dvc/config`` and ``.dvc/config.local``. ``[core] remote = NAME`` is the default remote and
``['remote "NAME"']`` a remote's section (names are lower-cased, as DVC lower-cases every key).
A ``url`` without a scheme is a local path: relative to the folder of the config file that
holds it, ``~`` expanded. ``add_remote`` writes what ``dvc remote add [-d] [--local]`` writes:
the whole file rewritten from its sections (DVC drops comments too), the URL given relative to
the current folder stored relative to the config file's folder.
"""

from __future__ import annotations

import os
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from live_nb.formats.cachelink import config_files
from live_nb.formats.files import atomic_write
from live_nb.remotes.errors import (
    NoDefaultRemoteError,
    RemoteExistsError,
    UnknownRemoteError,
    redact,
)
from live_nb.remotes.ini import Sections, Value, parse, render

__all__ = ["DvcConfig", "Remote", "add_remote", "load_config"]

_URL = re.compile(r"\w+://")
_SECTION = re.compile(r'^\s*(remote|machine|db)\s*"(.*)"\s*$')
# The remote options DVC treats as paths (Config._map_dirs), besides `url`.
_PATH_OPTIONS = frozenset(
    {
        "url",
        "gdrive_user_credentials_file",
        "gdrive_service_account_json_file_path",
        "credentialpath",
        "configpath",
        "keyfile",
        "cert_path",
        "key_path",
    }
)
# Options whose values must never be shown.
SECRET_OPTIONS = frozenset(
    {
        "secret_access_key",
        "session_token",
        "access_key_id",
        "password",
        "sas_token",
        "connection_string",
        "account_key",
        "client_secret",
        "gdrive_client_secret",
        "custom_auth_header",
        "sse_customer_key",
    }
)


@dataclass(frozen=True)
class Remote:
    """One DVC remote: its name, resolved URL (an absolute path when local) and options."""

    name: str
    url: str
    options: Mapping[str, Value] = field(default_factory=dict)

    @property
    def is_local(self) -> bool:
        """Whether the URL is a path on this machine (no ``scheme://``)."""
        return not _URL.match(self.url)

    @property
    def scheme(self) -> str:
        """``s3``, ``gs``, ... or ``local``."""
        return "local" if self.is_local else self.url.split("://", 1)[0].lower()

    def secrets(self) -> list[str]:
        """The values of the remote's secret options, to keep out of every message."""
        return [
            value
            for key, value in self.options.items()
            if key in SECRET_OPTIONS and isinstance(value, str)
        ]

    def shown_url(self) -> str:
        """The URL as it may be printed (a password in it replaced by ``***``)."""
        return redact(self.url, self.secrets())


@dataclass(frozen=True)
class DvcConfig:
    """The remotes of every config level merged, and the default remote's name."""

    remotes: Mapping[str, Remote]
    default: str | None

    def remote(self, name: str | None = None) -> Remote:
        """Remote ``name``, or the default one; errors say which names exist."""
        if name is None:
            if self.default is None:
                raise NoDefaultRemoteError(sorted(self.remotes))
            name = self.default
        found = self.remotes.get(name.lower())
        if found is None:
            raise UnknownRemoteError(name, sorted(self.remotes))
        return found

    def listing(self) -> str:
        """What ``dvc remote list`` prints: ``name<TAB>url[<TAB>(default)]`` per remote."""
        lines = []
        for name, remote in self.remotes.items():
            suffix = "\t(default)" if name == self.default else ""
            lines.append(f"{name}\t{remote.shown_url()}{suffix}")
        return "\n".join(lines)


def load_config(root: Path) -> DvcConfig:
    """Read the remotes DVC would see in the project at ``root`` (the folder of ``.dvc``)."""
    sections: dict[str, dict[str, Value]] = {}
    for path in config_files(Path(root) / ".dvc"):
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, NotADirectoryError, PermissionError):
            continue
        for name, values in parse(text, str(path)).items():
            resolved = _resolve_paths(name, values, path.parent)
            sections.setdefault(name, {}).update(resolved)
    remotes = {}
    for name, values in sections.items():
        match = _SECTION.match(name)
        if match and match.group(1) == "remote" and isinstance(values.get("url"), str):
            options = {key: value for key, value in values.items() if key != "url"}
            remotes[match.group(2)] = Remote(match.group(2), str(values["url"]), options)
    default = sections.get("core", {}).get("remote")
    return DvcConfig(remotes, default.lower() if isinstance(default, str) else None)


def add_remote(
    root: Path,
    name: str,
    url: str,
    default: bool = False,
    local: bool = False,
    force: bool = False,
    cwd: Path | None = None,
) -> Path:
    """Add remote ``name`` to ``.dvc/config`` (``.dvc/config.local`` if ``local``), as DVC does.

    A relative ``url`` is relative to ``cwd`` (the current folder by default). Returns the file
    written. Raises ``RemoteExistsError`` when that file already has the remote, unless ``force``.
    """
    name = name.lower()
    config = Path(root) / ".dvc" / ("config.local" if local else "config")
    try:
        sections = parse(config.read_text(encoding="utf-8"), str(config))
    except FileNotFoundError:
        sections = {}
    sections = {key: _normalise_paths(key, values) for key, values in sections.items()}
    section = f'remote "{name}"'
    if section in sections and not force:
        raise RemoteExistsError(name)
    sections[section] = {"url": _stored_url(url, config.parent, cwd or Path.cwd())}
    if default:
        sections.setdefault("core", {})["remote"] = name
    atomic_write(config, render(_dvc_order(sections)))
    return config


def _stored_url(url: str, config_dir: Path, cwd: Path) -> str:
    """``url`` as ``Config._to_relpath`` writes it: a relative path made relative to the file."""
    if _URL.match(url) or os.path.expanduser(url) != url or os.path.isabs(url):
        return url
    absolute = os.path.abspath(os.path.join(cwd, url))
    return Path(os.path.relpath(absolute, os.path.abspath(config_dir))).as_posix()


def _resolve_paths(section: str, values: dict[str, Value], config_dir: Path) -> dict[str, Value]:
    """Relative path options of a remote (and ``cache.dir``) made absolute, as DVC loads them."""
    keys = _path_keys(section)
    return {
        key: _resolve(value, config_dir) if key in keys and isinstance(value, str) else value
        for key, value in values.items()
    }


def _path_keys(section: str) -> frozenset[str]:
    if section == "cache":
        return frozenset({"dir"})
    return (
        _PATH_OPTIONS if section.startswith("remote") and _SECTION.match(section) else frozenset()
    )


def _resolve(path: str, config_dir: Path) -> str:
    if _URL.match(path) or os.path.isabs(path):
        return path
    expanded = os.path.expanduser(path)
    if os.path.isabs(expanded):
        return expanded
    return os.path.abspath(os.path.join(config_dir, path))


def _normalise_paths(section: str, values: dict[str, Value]) -> dict[str, Value]:
    """What DVC's load-then-save does to the relative paths already in a file it rewrites."""
    keys = _path_keys(section)
    changed = dict(values)
    for key, value in values.items():
        if key not in keys or not isinstance(value, str) or _URL.match(value):
            continue
        if os.path.expanduser(value) == value and not os.path.isabs(value):
            changed[key] = posixpath.normpath(value)
    return changed


def _dvc_order(sections: Sections) -> Sections:
    """Plain sections first, in file order, then remotes, machines and dbs (``_pack_named``)."""
    kinds = ("remote", "machine", "db")
    ordered = {key: values for key, values in sections.items() if not _SECTION.match(key)}
    for kind in kinds:
        for key, values in sections.items():
            match = _SECTION.match(key)
            if match and match.group(1) == kind:
                ordered[key] = values
    return ordered
