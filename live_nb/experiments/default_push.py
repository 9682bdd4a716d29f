"""Push to the default remotes: what the experiments table's (and the sidebar's) Push does.

The Git remote is the current branch's (``branch.<name>.remote``), else ``origin``, else the
only one configured; the artifacts go to DVC's default remote (``core.remote``), as
``exp push`` sends them. With no Git remote, or with artifacts to send and no DVC remote,
nothing moves and the message says what to set up.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from live_nb.error import LiveNbError
from live_nb.git import Repository

__all__ = ["NoDefaultGitRemoteError", "NoDvcRemoteForArtifactsError", "default_git_remote", "push"]


class NoDefaultGitRemoteError(LiveNbError, LookupError):
    """No Git remote to push to, or several and none of them the default."""

    def __init__(self, known: Sequence[str]) -> None:
        """Say which remotes there are, and how to choose one."""
        if known:
            detail = (
                f"this repository has several ({', '.join(known)}) and none is the current "
                "branch's or named origin. Use %exp_push REMOTE NAME... to choose one"
            )
        else:
            detail = "this repository has none. Add one with `git remote add origin URL`"
        super().__init__(f"Cannot push: no default Git remote: {detail}.")


class NoDvcRemoteForArtifactsError(LiveNbError, LookupError):
    """Experiments with cached artifacts, and no DVC remote to send them to."""

    def __init__(self, names: Sequence[str]) -> None:
        """Name the experiments, and the ways out."""
        super().__init__(
            f"Cannot push {', '.join(names)}: they have DVC-cached artifacts and this project "
            "has no default DVC remote, so a teammate would get .dvc files pointing at nothing. "
            "Add one with `live-nb remote add -d NAME URL` (or `dvc remote add -d`), or push "
            "only the refs with %exp_push REMOTE NAME --no-artifacts. Nothing was pushed."
        )


def default_git_remote(repo: Repository) -> str:
    """The Git remote Push uses (see the module's notes)."""
    known = repo.run("remote").split()
    branch = repo.run("symbolic-ref", "--quiet", "--short", "HEAD", check=False).strip()
    if branch:
        configured = repo.run("config", f"branch.{branch}.remote", check=False).strip()
        if configured in known:
            return configured
    if "origin" in known:
        return "origin"
    if len(known) == 1:
        return known[0]
    raise NoDefaultGitRemoteError(known)


def push(path: str | os.PathLike[str], refs: Sequence[str]) -> str:
    """Push experiments ``refs`` and their artifacts to the default remotes; what happened."""
    from live_nb.experiments import remote
    from live_nb.experiments.refs import resolve
    from live_nb.formats.artifacts import find_dvc_root
    from live_nb.remotes import load_config
    from live_nb.remotes.used import commit_outputs

    with Repository.discover(path) as repo:
        git_remote = default_git_remote(repo)
        found = [resolve(repo, ref) for ref in refs]
        if load_config(find_dvc_root(repo.root)).default is None:
            cached = [exp.name for exp, sha in found if commit_outputs(repo, sha, exp.name)]
            if cached:
                raise NoDvcRemoteForArtifactsError(cached)
    result = remote.push(git_remote, [exp.ref for exp, _ in found], path=path)
    return result.describe()
