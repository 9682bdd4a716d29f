"""Artifacts on an S3-compatible server on loopback (moto's server, started per test)."""

from __future__ import annotations

import os
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from live_nb.cli import main
from live_nb.formats.artifacts import cache_artifact
from live_nb.remotes import RemoteAccessDeniedError, RemoteUnreachableError, add_remote, push
from tests.conftest import git, run_dvc

moto_server = pytest.importorskip("moto.server")
pytest.importorskip("s3fs")

SECRET = "not-a-real-secret-but-private"


@pytest.fixture(autouse=True)
def no_user_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DVC_GLOBAL_CONFIG_DIR", str(tmp_path / "global"))
    monkeypatch.setenv("DVC_SYSTEM_CONFIG_DIR", str(tmp_path / "system"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def endpoint() -> Iterator[str]:
    """moto's S3 on 127.0.0.1 at a free port, with an empty bucket `team`; stopped after."""
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    url = f"http://{host}:{port}"
    try:
        import s3fs

        s3fs.S3FileSystem(client_kwargs={"endpoint_url": url}, skip_instance_cache=True).mkdir(
            "team"
        )
        yield url
    finally:
        # moto keeps its buckets in this process: emptied for the next test.
        urllib.request.urlopen(urllib.request.Request(f"{url}/moto-api/reset", method="POST"))
        server.stop()


def s3_project(where: Path, endpoint: str, origin: Path | None) -> Path:
    where.mkdir()
    git(where, "init", "-q", "-b", "main")
    (where / ".dvc").mkdir()
    (where / ".dvc" / "config").write_text("")
    add_remote(where, "team", "s3://team/dvc-store", default=True)
    with open(where / ".dvc" / "config", "a") as config:  # as `dvc remote modify` writes it
        config.write(f"    endpointurl = {endpoint}\n")
    if origin is not None:
        git(where, "remote", "add", "origin", str(origin))
    return where


@pytest.fixture
def origin(tmp_path: Path) -> Path:
    remote = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(remote))
    return remote


def commit_and_push(repo: Path) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "artifacts")
    git(repo, "push", "-q", "origin", "main")


@pytest.mark.oracle
def test_dvc_pulls_from_s3_what_live_nb_pushed(
    tmp_path: Path, endpoint: str, origin: Path, dvc: str
) -> None:
    ours = s3_project(tmp_path / "ours", endpoint, origin)
    (ours / "model.bin").write_bytes(os.urandom(6 * 1024 * 1024))  # more than one chunk
    (ours / "data").mkdir()
    for index in range(3):
        (ours / "data" / f"{index}.csv").write_text(f"{index}\n")
    cache_artifact(ours / "model.bin", ours)
    cache_artifact(ours / "data", ours)
    commit_and_push(ours)
    assert main(["-C", str(ours), "push", "-j", "4"]) == 0
    theirs = tmp_path / "theirs"
    git(tmp_path, "clone", "-q", str(origin), str(theirs))
    run_dvc(dvc, theirs, "pull")
    assert (theirs / "model.bin").read_bytes() == (ours / "model.bin").read_bytes()
    assert sorted(p.name for p in (theirs / "data").iterdir()) == ["0.csv", "1.csv", "2.csv"]


@pytest.mark.oracle
def test_live_nb_pulls_from_s3_what_dvc_pushed(
    tmp_path: Path, endpoint: str, origin: Path, dvc: str
) -> None:
    theirs = s3_project(tmp_path / "theirs", endpoint, origin)
    (theirs / "weights.bin").write_bytes(os.urandom(100_000))
    run_dvc(dvc, theirs, "add", "-q", "weights.bin")
    run_dvc(dvc, theirs, "push", "-q")
    commit_and_push(theirs)
    ours = tmp_path / "ours"
    git(tmp_path, "clone", "-q", str(origin), str(ours))
    assert main(["-C", str(ours), "pull"]) == 0
    assert (ours / "weights.bin").read_bytes() == (theirs / "weights.bin").read_bytes()


def test_an_unreachable_endpoint_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = s3_project(tmp_path / "p", "http://127.0.0.1:9", None)
    (project / ".dvc" / "config.local").write_text(
        f"['remote \"team\"']\n    access_key_id = AKIDEXAMPLE\n    secret_access_key = {SECRET}\n"
    )
    (project / "m.bin").write_bytes(b"model")
    cache_artifact(project / "m.bin", project)
    with pytest.raises(RemoteUnreachableError, match=r"127\.0\.0\.1:9"):
        push(project)
    assert main(["-C", str(project), "push"]) == 1
    captured = capsys.readouterr()
    assert "Cannot reach DVC remote 'team'" in captured.err
    assert SECRET not in captured.err + captured.out


def test_a_missing_bucket_or_refused_access_is_named(tmp_path: Path, endpoint: str) -> None:
    project = s3_project(tmp_path / "p", endpoint, None)
    config = project / ".dvc" / "config"
    config.write_text(config.read_text().replace("s3://team/", "s3://no-such-bucket/"))
    (project / "m.bin").write_bytes(b"model")
    cache_artifact(project / "m.bin", project)
    with pytest.raises((RemoteUnreachableError, RemoteAccessDeniedError)) as caught:
        push(project)
    assert "no-such-bucket" in str(caught.value)
    assert SECRET not in str(caught.value)


def test_partial_credentials_are_refused_access(tmp_path: Path) -> None:
    project = s3_project(tmp_path / "p", "http://127.0.0.1:9", None)
    (project / ".dvc" / "config.local").write_text(
        f"['remote \"team\"']\n    secret_access_key = {SECRET}\n"
    )
    (project / "m.bin").write_bytes(b"model")
    cache_artifact(project / "m.bin", project)
    with pytest.raises(RemoteAccessDeniedError, match="credentials") as caught:
        push(project)
    assert SECRET not in str(caught.value)


def test_wrong_credentials_are_refused_access_without_showing_them(
    tmp_path: Path,
    endpoint: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import moto.settings

    project = s3_project(tmp_path / "p", endpoint, None)
    (project / "m.bin").write_bytes(b"model")
    cache_artifact(project / "m.bin", project)
    # From now on the server checks every request's keys (none are known to its IAM).
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)
    assert main(["-C", str(project), "push"]) == 1
    captured = capsys.readouterr()
    assert "DVC remote 'team' (s3://team/dvc-store) refused access" in captured.err
    assert SECRET not in captured.err + captured.out
