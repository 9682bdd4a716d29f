"""A Dask run's artifacts returned through the project's default DVC remote, when it has one.

Without a remote, a worker sends back every DVC cache file the run added inside its result
(through the scheduler, in memory). With a default remote in the user's DVC config, the work
item carries that remote (its resolved URL and options, but no secret option: a worker takes
its credentials from where DVC and the storage library look for them on its own machine, so
no secret travels through the cluster); the worker pushes the objects the experiment commit
references there, and this side pulls them into its own cache (with its own credentials)
before the experiment is saved. A push the worker cannot make falls back to sending the files
in the result, and the run's log says why; a pull that fails here leaves the experiment saved
and says how to pull its artifacts later.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from live_nb.error import LiveNbError

__all__ = ["pull_on_client", "push_from_worker", "remote_for_workers"]


def remote_for_workers(root: Path) -> dict[str, Any] | None:
    """The default DVC remote of the project at ``root``, without secrets; None without one."""
    from live_nb.formats.artifacts import find_dvc_root
    from live_nb.remotes.config import SECRET_OPTIONS, load_config

    config = load_config(find_dvc_root(root))
    if config.default is None or config.default not in config.remotes:
        return None
    remote = config.remote()
    options = {key: value for key, value in remote.options.items() if key not in SECRET_OPTIONS}
    return {"name": remote.name, "url": remote.url, "options": options}


def push_from_worker(repo_dir: Path, remote: dict[str, Any], label: str, commit: str) -> str | None:
    """On a worker: push what ``commit`` references to ``remote``; None, or why it could not."""
    from live_nb import remotes

    target = remotes.Remote(str(remote["name"]), str(remote["url"]), dict(remote["options"]))
    try:
        remotes.push(repo_dir, remote=target, commits=[(label, commit)], stream=io.StringIO())
    except (LiveNbError, OSError) as error:
        return (
            f"live_nb: could not push the artifacts to DVC remote {target.name!r} from this "
            f"worker ({error}); they came back with the result instead.\n"
        )
    return None


def pull_on_client(root: Path, remote: str, label: str, tree: str) -> str:
    """Here: pull into the cache what ``tree`` references from DVC remote ``remote``; a log note."""
    from live_nb import remotes

    try:
        result = remotes.pull(
            root, remote=remote, commits=[(label, tree)], checkout=False, stream=io.StringIO()
        )
    except LiveNbError as error:
        return (
            f"live_nb: the artifacts are on DVC remote {remote!r} but could not be pulled here "
            f"({error}); run `live-nb pull -r {remote} {label}`.\n"
        )
    return f"live_nb: artifacts returned through DVC remote {remote!r}: {result.describe()}\n"
