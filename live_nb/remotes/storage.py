"""A remote's objects through fsspec, in DVC 3's layout: ``<url>/files/md5/<2 hex>/<30 hex>``.

Objects of DVC 2's outputs (no ``hash: md5`` in their ``.dvc`` file) live at
``<url>/<2 hex>/<30 hex>``, as DVC 3 still reads them. Every transfer is streamed in chunks,
never read whole. An upload never leaves a partial object under its final name: on a file
system it is written to a temporary sibling (``<name>.<random>.tmp``, as DVC names its own)
and moved into place; on an object store (S3, GCS, Azure) an object only appears once its
upload completes, so it is written under its name directly (a copy would double the traffic).
A download is checked against its md5 before it is renamed into the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError
from live_nb.formats.artifacts import ObjectHashMismatchError, object_path, store_object
from live_nb.formats.cachelink import cache_dir
from live_nb.remotes.config import Remote
from live_nb.remotes.errors import (
    RemoteAccessDeniedError,
    RemoteUnreachableError,
    StorageNotInstalledError,
    redact,
)

__all__ = ["CHUNK_SIZE", "ObjectId", "Storage", "cache_folder", "local_object", "open_storage"]

CHUNK_SIZE = 4 * 1024 * 1024
_OBJECT_STORES = frozenset({"s3", "s3a", "gs", "gcs", "az", "abfs", "azure", "oss"})
_REST = re.compile(r"^[0-9a-f]{30}(\.dir)?$")
_TRUE = frozenset({"true", "yes", "on", "1"})

Progress = Callable[[int], None]


@dataclass(frozen=True, order=True)
class ObjectId:
    """An object's md5 (``....dir`` for a manifest) and whether it uses DVC 2's layout."""

    md5: str
    legacy: bool = False

    @property
    def prefix(self) -> str:
        """The 2-hex folder it lives in."""
        return self.md5[:2]


class Storage:
    """A remote opened through fsspec: list, upload and download objects."""

    def __init__(self, remote: Remote, fs: Any, base: str) -> None:
        self.remote = remote
        self.fs = fs
        self.base = base.rstrip("/")
        self.atomic_put = remote.scheme in _OBJECT_STORES

    def check(self, reading: bool) -> None:
        """Fail early, naming it, when the bucket (or, to read from, the folder) is missing."""
        where = self.base.split("/", 1)[0] if self.atomic_put else self.base
        if not self.atomic_put and not reading:
            return  # a local folder is created by the first upload, as DVC does
        with self.errors():
            exists = self.fs.exists(where)
            if not exists:  # s3fs's exists() says False for any error: ask again, to tell why
                with contextlib.suppress(FileNotFoundError):
                    self.fs.ls(where, detail=False)
        if not exists:
            kind = "bucket" if self.atomic_put else "folder"
            raise RemoteUnreachableError(
                self.remote.name, self.remote.shown_url(), f"its {kind} {where!r} does not exist"
            )

    def folder(self, legacy: bool, prefix: str) -> str:
        """The remote folder of the objects starting with ``prefix``."""
        return f"{self.base}/{prefix}" if legacy else f"{self.base}/files/md5/{prefix}"

    def path(self, oid: ObjectId) -> str:
        """The remote path of ``oid``."""
        return f"{self.folder(oid.legacy, oid.prefix)}/{oid.md5[2:]}"

    def list_prefix(self, legacy: bool, prefix: str) -> dict[str, int]:
        """md5 -> size of the objects in one prefix folder (one listing request)."""
        with self.errors():
            try:
                entries = self.fs.ls(self.folder(legacy, prefix), detail=True)
            except FileNotFoundError:
                return {}
        found = {}
        for entry in entries:
            rest = str(entry.get("name", "")).rstrip("/").rsplit("/", 1)[-1]
            if _REST.match(rest) and entry.get("type") != "directory":
                found[prefix + rest] = int(entry.get("size") or 0)
        return found

    def upload(self, source: Path, oid: ObjectId, progress: Progress) -> int:
        """Send cache object ``source`` as ``oid``; its content is checked against the md5."""
        final = self.path(oid)
        target = final if self.atomic_put else f"{final}.{secrets.token_hex(8)}.tmp"
        digest = hashlib.md5(usedforsecurity=False)
        size = 0
        with self.errors():
            if not self.atomic_put:
                self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            try:
                with open(source, "rb") as reader, self.fs.open(target, "wb") as writer:
                    while chunk := reader.read(CHUNK_SIZE):
                        digest.update(chunk)
                        writer.write(chunk)
                        size += len(chunk)
                        progress(len(chunk))
                    if digest.hexdigest() != oid.md5.removesuffix(".dir"):
                        raise ObjectHashMismatchError(
                            oid.md5, digest.hexdigest(), f"the local cache ({source})"
                        )
            except BaseException:
                with contextlib.suppress(Exception):
                    self.fs.rm_file(target)
                raise
            if not self.atomic_put:
                self.fs.mv(target, final)
        return size

    def download(self, oid: ObjectId, cache: Path, progress: Progress) -> int:
        """Fetch ``oid`` into ``cache`` (``.dvc/cache/files/md5`` or ``.dvc/cache``)."""
        source = f"remote {self.remote.name!r} ({self.shown(self.path(oid))})"
        with self.errors(), self.fs.open(self.path(oid), "rb") as reader:
            return store_object(cache, oid.md5, _chunks(reader, progress), source)

    def shown(self, text: str) -> str:
        """``text`` without the remote's secrets."""
        return redact(text, self.remote.secrets())

    @contextlib.contextmanager
    def errors(self) -> Iterator[None]:
        """Turn the storage library's errors into live_nb's, without secrets in them."""
        try:
            yield
        except (FileNotFoundError, LiveNbError):
            raise
        except PermissionError as error:
            raise RemoteAccessDeniedError(
                self.remote.name, self.remote.shown_url(), self.shown(str(error) or "denied")
            ) from None
        except (OSError, RuntimeError, ValueError) as error:
            raise self.unreachable(error) from None
        except Exception as error:  # botocore's and aiohttp's errors derive from Exception
            if type(error).__module__.split(".")[0] in ("botocore", "aiohttp", "aiobotocore"):
                if "Credentials" in type(error).__name__:
                    raise RemoteAccessDeniedError(
                        self.remote.name, self.remote.shown_url(), self.shown(str(error))
                    ) from None
                raise self.unreachable(error) from None
            raise

    def unreachable(self, error: BaseException) -> RemoteUnreachableError:
        """``error`` as the remote being out of reach."""
        detail = self.shown(f"{type(error).__name__}: {error}")
        return RemoteUnreachableError(self.remote.name, self.remote.shown_url(), detail)


def _chunks(reader: Any, progress: Progress) -> Iterator[bytes]:
    while chunk := reader.read(CHUNK_SIZE):
        progress(len(chunk))
        yield chunk


def open_storage(remote: Remote) -> Storage:
    """Open ``remote`` with the fsspec implementation of its scheme and DVC's options."""
    try:
        import fsspec
    except ImportError as error:  # pragma: no cover - fsspec is a dependency
        raise StorageNotInstalledError(remote.name, remote.scheme, str(error)) from None
    if remote.is_local:
        from fsspec.implementations.local import LocalFileSystem

        return Storage(remote, LocalFileSystem(), Path(remote.url).as_posix())
    options = _s3_options(remote) if remote.scheme in ("s3", "s3a") else {}
    try:
        fs, base = fsspec.core.url_to_fs(remote.url, **options)
    except (ImportError, ValueError) as error:
        raise StorageNotInstalledError(remote.name, remote.scheme, str(error)) from None
    return Storage(remote, fs, base)


def _s3_options(remote: Remote) -> dict[str, Any]:
    """s3fs's arguments from DVC's S3 remote options (as dvc-s3's ``_prepare_credentials``)."""
    config = {key: value for key, value in remote.options.items() if isinstance(value, str)}
    # Listings are never cached: another clone may have pushed since the last one.
    options: dict[str, Any] = {"use_listings_cache": False, "skip_instance_cache": True}
    for dvc_key, s3fs_key in (
        ("access_key_id", "key"),
        ("secret_access_key", "secret"),
        ("session_token", "token"),
        ("profile", "profile"),
    ):
        if config.get(dvc_key):
            options[s3fs_key] = config[dvc_key]
    if "use_ssl" in config:
        options["use_ssl"] = config["use_ssl"].lower() in _TRUE
    if config.get("allow_anonymous_login", "").lower() in _TRUE:
        options["anon"] = True
    client: dict[str, Any] = {
        name: config[key]
        for key, name in (("region", "region_name"), ("endpointurl", "endpoint_url"))
        if config.get(key)
    }
    if "ssl_verify" in config:
        verify = config["ssl_verify"]
        client["verify"] = (
            verify.lower() in _TRUE
            if verify.lower() in _TRUE | {"false", "no", "off", "0"}
            else verify
        )
    if client:
        options["client_kwargs"] = client
    return options


def cache_folder(root: Path, legacy: bool) -> Path:
    """The local cache folder holding objects of the given layout."""
    cache = cache_dir(Path(root) / ".dvc")  # DVC's cache.dir, else .dvc/cache
    return cache if legacy else cache / "files" / "md5"


def local_object(root: Path, oid: ObjectId) -> Path:
    """Where ``oid`` lives in the local cache of the project at ``root``."""
    return object_path(cache_folder(root, oid.legacy), oid.md5)
