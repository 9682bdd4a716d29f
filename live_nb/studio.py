"""Live updates to DVC Studio, as DVCLive posts them, for users who configured a token.

Studio is off unless a token is set: ``DVC_STUDIO_TOKEN`` (or ``STUDIO_TOKEN``), or
``studio.token`` in DVC's config (``.dvc/config.local``, ``.dvc/config``, then the global
and system files). ``DVC_STUDIO_URL`` / ``studio.url`` point at a self-hosted Studio,
``DVC_STUDIO_REPO_URL`` / ``studio.repo_url`` name the repository (the Git remote's URL
otherwise), and ``DVC_STUDIO_OFFLINE`` / ``studio.offline`` turn it all off.

A run then posts to ``<url>/api/live``, with ``Authorization: token <token>``, the JSON
bodies of ``dvc_studio_client.post_live_metrics``: a ``start`` event, ``data`` events
(the latest metrics and params, then the metric rows and images new since the last
accepted post), and ``done`` with the experiment's commit. Everything is posted by one
daemon thread: ``next_step`` only records the step and wakes it, so steps that end while
a post is in flight are merged into the next one. A server that is down, slow or
answering errors never fails or slows the run: each post times out after a few seconds,
a problem is warned about once, and ``end()`` waits a few seconds at most.
"""

from __future__ import annotations

import base64
import csv
import json
import math
import os
import re
import subprocess
import sys
import threading
import warnings
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

from live_nb import env
from live_nb.error import LiveNbWarning
from live_nb.formats.files import folders_up
from live_nb.formats.jsonfmt import json_text

if TYPE_CHECKING:
    from live_nb.live import Live
    from live_nb.snapshot import LiveSnapshot

DEFAULT_URL = "https://studio.datachain.ai"
"""Studio's URL when none is configured (dvc_studio_client's default)."""
ENDPOINT = "api/live"
POST_TIMEOUT = 5.0
"""Seconds one request may take before it is given up."""
END_WAIT = 5.0
"""Seconds ``end()`` waits at most for the last posts (they go on in the background)."""
MIN_POST_INTERVAL = 0.25
"""Seconds between two ``data`` posts: the steps in between are merged."""
NULL_SHA = "0" * 40

# dvc_studio_client's limits on what one request may carry.
MAX_REQUEST_SIZE = 29_000_000
MAX_PLOT_SIZE = 10_000_000
MAX_NUMBER_OF_PLOTS = 200
MESSAGE_LENGTH = 72


# ---- configuration -----------------------------------------------------------------------


@dataclass(frozen=True)
class StudioConfig:
    """Where and how to post: ``repo_url`` None means the Git remote's URL, found later."""

    token: str
    url: str
    repo_url: str | None

    @property
    def endpoint(self) -> str:
        """The URL of Studio's live-metrics API."""
        return urljoin(self.url, os.environ.get(env.STUDIO_ENDPOINT) or ENDPOINT)


def studio_config(project: Path | None) -> StudioConfig | None:
    """The Studio settings from the environment and DVC's config, None when Studio is off.

    ``project`` is the DVC project's root, whose ``.dvc/config`` files are read.
    """
    environ = os.environ
    token = environ.get(env.DVC_STUDIO_TOKEN) or environ.get(env.STUDIO_TOKEN)
    if _truthy(environ.get(env.DVC_STUDIO_OFFLINE)):
        return None
    config = dvc_studio_section(project)
    if _truthy(config.get("offline")):
        return None
    token = token or config.get("token")
    if not token:
        return None
    repo_url = (
        environ.get(env.DVC_STUDIO_REPO_URL)
        or environ.get(env.STUDIO_REPO_URL)
        or config.get("repo_url")
    )
    url = environ.get(env.DVC_STUDIO_URL) or config.get("url") or DEFAULT_URL
    return StudioConfig(token=token, url=url, repo_url=repo_url or None)


def dvc_studio_section(project: Path | None) -> dict[str, str]:
    """The ``[studio]`` section of DVC's config files, the more local ones winning."""
    merged: dict[str, str] = {}
    for path in _config_files(project):
        merged.update(_read_section(path, "studio"))
    return merged


def _config_files(project: Path | None) -> list[Path]:
    """DVC's config files, from the least to the most local: system, global, repo, local."""
    system = os.environ.get(env.DVC_SYSTEM_CONFIG_DIR)
    user = os.environ.get(env.DVC_GLOBAL_CONFIG_DIR)
    files = [
        Path(system) if system else _platform_config_dir(system=True),
        Path(user) if user else _platform_config_dir(system=False),
    ]
    files = [folder / "config" for folder in files]
    if project is not None:
        files += [project / ".dvc" / "config", project / ".dvc" / "config.local"]
    return files


def _platform_config_dir(system: bool) -> Path:
    """DVC's config folder: platformdirs' ``site_config_dir``/``user_config_dir``."""
    if sys.platform == "win32":
        variable = "PROGRAMDATA" if system else "LOCALAPPDATA"
        return Path(os.environ.get(variable, "C:/ProgramData")) / "iterative" / "dvc"
    if sys.platform == "darwin":
        base = Path("/Library") if system else Path.home() / "Library"
        return base / "Application Support" / "dvc"
    if system:
        first = (os.environ.get("XDG_CONFIG_DIRS") or "/etc/xdg").split(os.pathsep)[0]
        return Path(first) / "dvc"
    return Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config") / "dvc"


def _read_section(path: Path, wanted: str) -> dict[str, str]:
    """One section of a DVC (configobj) config file; an unreadable file has none."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    section: str | None = None
    found: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]").strip().strip("'\"").strip()
        elif section == wanted and "=" in line:
            key, _, value = line.partition("=")
            found[key.strip()] = _config_value(value.strip())
    return found


def _config_value(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    return value.split("#", 1)[0].strip()


def _truthy(value: str | None) -> bool:
    """DVC's reading of a yes/no setting (it finds 1, y, yes or true in the text)."""
    return value is not None and re.search("1|y|yes|true", value, flags=re.IGNORECASE) is not None


# ---- what a run is, for Studio ----------------------------------------------------------------


@dataclass(frozen=True)
class RunIdentity:
    """What every request names: the repository, the baseline commit, the experiment."""

    repo_url: str
    baseline_sha: str
    name: str

    def body(self, event: str) -> dict[str, Any]:
        """The fields every event starts with, in dvc_studio_client's order."""
        return {
            "type": event,
            "repo_url": self.repo_url,
            "baseline_sha": self.baseline_sha,
            "name": self.name,
            "client": "dvclive",
        }


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    out = done.stdout.strip()
    return out if done.returncode == 0 and out else None


def _baseline_sha(folder: Path) -> str:
    """``DVC_EXP_BASELINE_REV`` under ``dvc exp run``, else HEAD, else DVC's null SHA."""
    return os.environ.get(env.DVC_EXP_BASELINE_REV) or _git(folder, "rev-parse", "HEAD") or NULL_SHA


# ---- what is new since the last post --------------------------------------------------------


@dataclass
class _Tail:
    """How much of one metric file Studio accepted, and its columns."""

    offset: int = 0
    columns: list[str] = field(default_factory=list)


class Updates:
    """The plot rows and images not yet accepted by Studio, read from the run's files."""

    def __init__(self, base: Path) -> None:
        self._base = base
        self._tails: dict[Path, _Tail] = {}
        self._images: dict[Path, tuple[int, int]] = {}
        self._pending: list[Callable[[], None]] = []

    def key(self, path: Path) -> str:
        """A file's name in a request: relative to the project, with ``/``."""
        try:
            return Path(os.path.relpath(path.absolute(), self._base)).as_posix()
        except ValueError:  # another drive (Windows)
            return path.as_posix()

    def plots(self, snapshot: LiveSnapshot) -> dict[str, dict[str, Any]]:
        """``{file: {"data": [rows]}}`` and ``{image: {"image": base64}}`` not sent yet."""
        self._pending = []
        plots: dict[str, dict[str, Any]] = {}
        for path in snapshot.metrics.values():
            rows = self._new_rows(path)
            if rows is not None:
                plots[self.key(path)] = {"data": rows}
        for path in snapshot.images.values():
            image = self._new_image(path)
            if image is not None:
                plots[self.key(path)] = {"image": image}
        return plots

    def accepted(self) -> None:
        """Studio took the last ``plots()``: never send those rows and images again."""
        for commit in self._pending:
            commit()
        self._pending = []

    def _new_rows(self, path: Path) -> list[dict[str, Any]] | None:
        tail = self._tails.get(path) or _Tail()
        try:
            with open(path, "rb") as file:
                file.seek(tail.offset)
                chunk = file.read()
        except OSError:
            return None
        whole = chunk[: chunk.rfind(b"\n") + 1]  # a row still being written waits
        lines = whole.decode("utf-8", errors="replace").splitlines()
        columns = tail.columns
        if tail.offset == 0 and lines:
            columns = next(csv.reader(lines[:1], delimiter="\t"))
            lines = lines[1:]
        rows = [_cast_row(dict(zip(columns, row))) for row in csv.reader(lines, delimiter="\t")]
        end = tail.offset + len(whole)

        def commit() -> None:
            self._tails[path] = _Tail(end, columns)

        self._pending.append(commit)
        return rows

    def _new_image(self, path: Path) -> str | None:
        try:
            stat = path.stat()
            version = (stat.st_mtime_ns, stat.st_size)
            if self._images.get(path) == version:
                return None
            data = path.read_bytes()
        except OSError:
            return None
        self._pending.append(lambda: self._images.__setitem__(path, version))
        return base64.b64encode(data).decode("ascii")


def _cast_row(row: dict[str, str]) -> dict[str, Any]:
    """A TSV row as DVCLive sends it: step an int, timestamp as text, values as floats."""
    cast: dict[str, Any] = {}
    for key, text in row.items():
        if key == "timestamp":
            cast[key] = text
        elif key == "step":
            cast[key] = int(float(text)) if _is_number(text) else text
        else:
            cast[key] = _number_or_text(text)
    return cast


def _is_number(text: str) -> bool:
    try:
        return math.isfinite(float(text))
    except ValueError:
        return False


def _number_or_text(value: Any) -> Any:
    """A finite number as a float; NaN, infinities and text as text (JSON has no NaN)."""
    if isinstance(value, bool) or value is None:
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return number if math.isfinite(number) else str(value)


def _json_safe(content: Any) -> Any:
    """``content`` with NaN and infinities as text, as DVCLive's metrics.json reads back."""
    if isinstance(content, dict):
        return {key: _json_safe(value) for key, value in content.items()}
    if isinstance(content, list):
        return [_json_safe(value) for value in content]
    if isinstance(content, float) and not math.isfinite(content):
        return str(content)
    return content


# ---- posting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunDetails:
    """What ``Live`` tells the link at the start: the name, message, and DVC's context."""

    name: str
    message: str | None
    project: Path | None
    posts_start_and_done: bool  # False under ``dvc exp run``: DVC posts those itself


class StudioLink:
    """One run's updates to Studio, posted by a daemon thread so the loop never waits."""

    def __init__(self, live: Live, config: StudioConfig, details: RunDetails) -> None:
        self._live = weakref.ref(live)
        self._config = config
        self._details = details
        self._wake = threading.Event()
        self._finishing = threading.Event()
        self._step: int | None = None  # the last step ended, set by the loop
        self._final: tuple[int, str | None] | None = None
        self._warned = False
        self._updates: Updates | None = None
        self._identity: RunIdentity | None = None
        self._thread = threading.Thread(target=self._run, name="live_nb-studio", daemon=True)

    @classmethod
    def connect(
        cls, live: Live, project: Path | None, details: Callable[[], RunDetails]
    ) -> StudioLink | None:
        """Start posting ``live``'s updates when Studio is configured; None otherwise.

        ``details`` is only called when Studio is on (it may pick a name for the run).
        """
        config = studio_config(project)
        if config is None:
            return None
        link = cls(live, config, details())
        link._thread.start()
        return link

    # ---- called by Live -------------------------------------------------------------------

    def step_done(self, step: int) -> None:
        """A step ended (the loop's only cost: two attribute writes, no lock when awake)."""
        self._step = step
        if not self._wake.is_set():
            self._wake.set()

    def finish(self, step: int, experiment_rev: str | None) -> None:
        """Post the last data and ``done``; wait ``END_WAIT`` seconds at most."""
        self._final = (step, experiment_rev)
        self._finishing.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout=END_WAIT)

    # ---- the thread -----------------------------------------------------------------------

    def _run(self) -> None:
        try:
            if not self._begin():
                return
            posted: int | None = None
            while self._final is None:
                self._wake.wait()
                self._wake.clear()
                step = self._step
                if self._final is None and step is not None and step != posted:
                    self._post_data(step)
                    posted = step
                    self._finishing.wait(MIN_POST_INTERVAL)
            step, experiment_rev = self._final
            self._post_data(step)
            if self._details.posts_start_and_done:
                self._post_done(experiment_rev)
        except Exception as error:  # whatever happens here, the run goes on without Studio
            self._warn(f"{type(error).__name__}: {error}")

    def _begin(self) -> bool:
        """Find the repository and baseline, post ``start``; False when nothing can be sent."""
        folder = self._details.project or Path.cwd()
        repo_url = self._config.repo_url or _git(folder, "ls-remote", "--get-url")
        if not repo_url:
            self._warn(
                "no Git remote to name the repository; set DVC_STUDIO_REPO_URL "
                "(or studio.repo_url in DVC's config)",
                sent=False,
            )
            return False
        self._identity = RunIdentity(repo_url, _baseline_sha(folder), self._details.name)
        self._updates = Updates(_project_root(folder))
        if not self._details.posts_start_and_done:
            return True
        body = self._identity.body("start")
        if self._details.message:
            body["message"] = self._details.message[:MESSAGE_LENGTH]
        subdir = _subdir(folder)
        if subdir:
            body["subdir"] = subdir
        return self._post(body)  # a refused start means Studio will take nothing of this run

    def _post_data(self, step: int) -> None:
        live = self._live()
        if live is None or self._identity is None or self._updates is None:
            return
        snapshot = live.snapshot()
        updates = self._updates
        body = self._identity.body("data")
        body["params"] = {updates.key(Path(live.params_file)): _json_safe(snapshot.params)}
        summary = json.loads(json_text(snapshot.summary))
        body["metrics"] = {updates.key(Path(live.metrics_file)): {"data": _json_safe(summary)}}
        body["step"] = step
        plots = updates.plots(snapshot)
        if not plots:
            self._post(body)
            return
        if not self._post(body):
            return
        del body["params"], body["metrics"]
        body["plots"] = self._within_limits(plots)
        if not body["plots"] or self._post(body):
            updates.accepted()

    def _within_limits(self, plots: Mapping[str, dict[str, Any]]) -> dict[str, Any]:
        """As many plots as Studio takes in one request (dvc_studio_client's limits)."""
        kept: dict[str, Any] = {}
        total = 0
        for plot_name, plot in _first(plots, MAX_NUMBER_OF_PLOTS):
            size = len(plot["image"]) if "image" in plot else len(json.dumps(plot["data"]))
            if size > MAX_PLOT_SIZE:
                continue
            total += size
            if total > MAX_REQUEST_SIZE:
                break
            kept[plot_name] = plot
        return kept

    def _post_done(self, experiment_rev: str | None) -> None:
        if self._identity is None:
            return
        body = self._identity.body("done")
        if experiment_rev:
            body["experiment_rev"] = experiment_rev
        self._post(body)

    def _post(self, body: dict[str, Any]) -> bool:
        """One request; False (warned about once) when Studio is unreachable or refuses it."""
        import urllib.error  # here: 30 ms to import, paid only by runs that post
        import urllib.request

        request = urllib.request.Request(
            self._config.endpoint,
            data=json.dumps(body).encode("utf-8"),
            headers={
                "Content-type": "application/json",
                "Authorization": f"token {self._config.token}",
            },
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=POST_TIMEOUT) as response:
                response.read()
        except urllib.error.HTTPError as error:
            self._warn(f"Studio answered {error.code} {error.reason} to a {body['type']!r} event")
            return False
        except (OSError, ValueError) as error:  # refused, unreachable, timed out, bad URL
            self._warn(f"could not reach Studio at {self._config.url}: {error}")
            return False
        return True

    def _warn(self, problem: str, sent: bool = True) -> None:
        if self._warned:
            return
        self._warned = True
        after = "some updates were not sent" if sent else "nothing is sent"
        try:
            warnings.warn(
                f"live_nb: Studio live updates: {problem}; {after}, the run goes on.",
                LiveNbWarning,
                stacklevel=2,
            )
        except Exception:  # warnings turned into errors: this thread must not die of it
            return


def _first(items: Mapping[str, Any], count: int) -> Iterator[tuple[str, Any]]:
    for index, item in enumerate(items.items()):
        if index >= count:
            return
        yield item


def _project_root(folder: Path) -> Path:
    """What request paths are relative to: the DVC project, else the Git top, else here."""
    folder = folder.absolute()
    for candidate in folders_up(folder):
        if (candidate / ".dvc").is_dir():
            return candidate
    top = _git(folder, "rev-parse", "--show-toplevel")
    return Path(top) if top else folder


def _subdir(folder: Path) -> str:
    """The DVC project's folder inside its Git repository ("" at the top), as DVC sends it."""
    top = _git(folder, "rev-parse", "--show-toplevel")
    if top is None:
        return ""
    relative = Path(os.path.relpath(_project_root(folder), top)).as_posix()
    return "" if relative == "." else relative
