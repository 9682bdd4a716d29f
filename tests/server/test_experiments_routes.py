"""The sidebar's routes, through a real Jupyter server: what the panel reads and does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from tornado.httpclient import HTTPClientError

from live_nb.experiments.show import show
from live_nb.git import Repository
from live_nb.widgets.table import synced_state
from tests.conftest import git
from tests.server.conftest import Fetch, get_json, post_json, train


def names(table: dict[str, Any]) -> list[str]:
    column = [c["name"] for c in table["columns"]].index("Experiment")
    return [row["values"][column] for row in table["rows"]]


def experiment_ids(table: dict[str, Any]) -> dict[str, str]:
    column = [c["name"] for c in table["columns"]].index("Experiment")
    return {
        row["values"][column]: row["id"] for row in table["rows"] if row["kind"] == "experiment"
    }


async def test_the_table_is_the_one_exp_show_sends_its_widget(
    jp_fetch: Fetch, project: Path
) -> None:
    table = await get_json(jp_fetch, "experiments", path="project")
    assert table["state"] == "ready"
    assert table["repository"] == "project" and table["folder"] == "project"
    assert table["experiments"] == 2
    assert sorted(experiment_ids(table)) == ["fast", "slow"]
    with Repository.discover(project) as repo:
        columns, rows = synced_state(repo, show(project))
        assert table["head"] == repo.head()
    assert table["columns"] == columns
    assert table["rows"] == json.loads(json.dumps(rows))


async def test_a_file_or_a_subfolder_names_its_repository(jp_fetch: Fetch, project: Path) -> None:
    (project / "notes").mkdir()
    (project / "notes" / "train.ipynb").write_text("{}")
    by_file = await get_json(jp_fetch, "experiments", path="project/notes/train.ipynb")
    assert by_file["state"] == "ready"
    assert by_file["folder"] == "project/notes" and by_file["repository"] == "project"


async def test_no_repository_and_no_commit_are_said_plainly(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    (jp_root_dir / "loose").mkdir()
    loose = await get_json(jp_fetch, "experiments", path="loose")
    assert loose["state"] == "no-repository"
    assert "not in a Git repository" in loose["message"] and "git init" in loose["message"]
    fresh = jp_root_dir / "fresh"
    fresh.mkdir()
    git(fresh, "init", "-q")
    empty = await get_json(jp_fetch, "experiments", path="fresh")
    assert empty["state"] == "no-commit"
    assert "no commit yet" in empty["message"]


async def test_a_repository_above_the_served_folder_is_refused(
    jp_fetch: Fetch, jp_root_dir: Path
) -> None:
    git(jp_root_dir.parent, "init", "-q")  # the root itself lies in a repository
    (jp_root_dir / "sub").mkdir()
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, "experiments", path="sub")
    assert caught.value.code == 403
    answer = json.loads(caught.value.response.body)  # type: ignore[union-attr]
    assert answer["kind"] == "refused"
    assert "above the folder Jupyter serves" in answer["message"]


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("../", "'..'"),
        ("project/../../etc", "'..'"),
        ("/etc", "absolute"),
        ("C:/Windows", "absolute"),
        ("out", "symlink"),
        ("project\\..\\..", "backslash"),
    ],
)
async def test_paths_leaving_the_served_folder_are_refused(
    jp_fetch: Fetch, jp_root_dir: Path, project: Path, tmp_path: Path, path: str, why: str
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    git(outside, "init", "-q")
    (jp_root_dir / "out").symlink_to(outside)
    for route in ("experiments", "histories"):
        with pytest.raises(HTTPClientError) as caught:
            await get_json(jp_fetch, route, path=path)
        assert caught.value.code == 403
        answer = json.loads(caught.value.response.body)  # type: ignore[union-attr]
        assert answer["kind"] == "refused" and why in answer["message"]
    code, answer = await post_json(jp_fetch, "remove", {"path": path, "ids": ["x"]})
    assert code == 403 and answer["kind"] == "refused"


async def test_apply_refuses_a_kept_file_outside_the_served_folder(
    jp_fetch: Fetch, project: Path
) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    before = (project / "dvclive" / "params.yaml").read_text()
    for keep in ("../elsewhere.ipynb", "/etc/passwd"):
        code, answer = await post_json(
            jp_fetch, "apply", {"path": "project", "id": ids["fast"], "keep": [keep]}
        )
        assert code == 403 and answer["kind"] == "refused", answer
    assert (project / "dvclive" / "params.yaml").read_text() == before


async def test_a_missing_folder_is_404_with_a_message(jp_fetch: Fetch, project: Path) -> None:
    with pytest.raises(HTTPClientError) as caught:
        await get_json(jp_fetch, "experiments", path="project/nowhere")
    assert caught.value.code == 404
    answer = json.loads(caught.value.response.body)  # type: ignore[union-attr]
    assert answer == {
        "kind": "not-found",
        "message": "There is no folder or file 'project/nowhere' in the folder Jupyter serves.",
    }


ROUTES = [
    ("GET", ("live-nb", "api", "experiments"), None),
    ("GET", ("live-nb", "api", "histories"), None),
    ("POST", ("live-nb", "api", "apply"), "{}"),
    ("POST", ("live-nb", "api", "remove"), "{}"),
    ("POST", ("live-nb", "api", "branch"), "{}"),
    ("GET", ("live-nb", "static", "table.js"), None),
]


@pytest.mark.parametrize(("method", "parts", "body"), ROUTES)
async def test_every_route_refuses_an_unauthenticated_request(
    jp_fetch: Fetch, project: Path, method: str, parts: tuple[str, ...], body: str | None
) -> None:
    for header in ("", "token not-the-token"):
        response = await jp_fetch(
            *parts,
            method=method,
            body=body,
            params={"path": "project"},
            headers={"Authorization": header},
            raise_error=False,
        )
        assert response.code == 403, (parts, header)
    assert (project / ".git").is_dir()
    with Repository.discover(project) as repo:
        assert len(repo.refs("refs/exps/")) == 2


async def test_the_etag_answers_304_until_something_changes(jp_fetch: Fetch, project: Path) -> None:
    first = await jp_fetch("live-nb", "api", "experiments", params={"path": "project"})
    tag = first.headers["ETag"]
    again = await jp_fetch(
        "live-nb",
        "api",
        "experiments",
        params={"path": "project"},
        headers={"If-None-Match": tag},
        raise_error=False,
    )
    assert again.code == 304 and again.body == b""
    # a new experiment changes it
    train(lr=0.5, loss=0.2)
    from live_nb.experiments.save import save

    save(name="third")
    git(project, "checkout", "-q", "--", ".")
    changed = await jp_fetch(
        "live-nb",
        "api",
        "experiments",
        params={"path": "project"},
        headers={"If-None-Match": tag},
    )
    assert changed.code == 200 and changed.headers["ETag"] != tag
    assert "third" in experiment_ids(json.loads(changed.body))
    # so does a workspace file the table shows (a run writing its metrics)
    tag = changed.headers["ETag"]
    metrics = project / "dvclive" / "metrics.json"
    metrics.write_text(json.dumps({"train": {"loss": 0.123}, "step": 2}))
    live = await jp_fetch(
        "live-nb",
        "api",
        "experiments",
        params={"path": "project"},
        headers={"If-None-Match": tag},
    )
    assert live.code == 200
    table = json.loads(live.body)
    loss = [c["name"] for c in table["columns"]].index("train.loss")
    assert table["rows"][0]["id"] == "workspace" and table["rows"][0]["values"][loss] == 0.123


async def test_histories_of_two_experiments_and_of_a_row_gone(
    jp_fetch: Fetch,
    project: Path,
    http_server_client: Any,
    jp_base_url: str,
    jp_auth_header: dict[str, str],
) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    gone = ids["slow"].replace("/slow", "/never-saved")
    query = urlencode(
        {"path": "project", "id": [ids["fast"], ids["slow"], gone, "workspace"]}, doseq=True
    )
    response = await http_server_client.fetch(
        f"{jp_base_url}live-nb/api/histories?{query}", headers=jp_auth_header
    )
    histories = json.loads(response.body)["histories"]
    fast = histories[ids["fast"]]
    assert fast["error"] is None and fast["commit"] and not fast["downsampled"]
    series = fast["metrics"]["train/loss"]
    assert series["step"] == [0, 1, 2]
    assert series["value"] == pytest.approx([0.6, 0.5, 0.4])
    assert histories[ids["slow"]]["metrics"]["train/loss"]["value"][-1] == pytest.approx(0.95)
    assert histories[gone]["metrics"] == {} and "no longer in the table" in histories[gone]["error"]
    assert histories["workspace"]["commit"] is None


async def test_apply_refuses_uncommitted_work_then_backs_it_up(
    jp_fetch: Fetch, project: Path
) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    params = project / "dvclive" / "params.yaml"
    params.write_text("lr: 42\n")  # work saved nowhere, in the way
    code, answer = await post_json(jp_fetch, "apply", {"path": "project", "id": ids["fast"]})
    assert code == 409 and answer["kind"] == "uncommitted"
    assert params.read_text() == "lr: 42\n"
    code, answer = await post_json(
        jp_fetch, "apply", {"path": "project", "id": ids["fast"], "force": True}
    )
    assert code == 200 and answer["ok"]
    assert "Applied experiment 'fast'" in answer["message"] and "git -C" in answer["message"]
    assert params.read_text() == "lr: 0.3\n"


async def test_apply_keeps_the_open_notebook(jp_fetch: Fetch, project: Path) -> None:
    notebook = project / "train.ipynb"
    notebook.write_text('{"cells": []}')
    git(project, "add", "train.ipynb")
    git(project, "commit", "-qm", "notebook")
    notebook.write_text('{"cells": [1]}')
    from live_nb.experiments.save import save

    save(name="with-notebook")
    notebook.write_text('{"cells": []}')
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    code, answer = await post_json(
        jp_fetch,
        "apply",
        {"path": "project", "id": ids["with-notebook"], "keep": ["project/train.ipynb"]},
    )
    assert code == 200, answer
    assert notebook.read_text() == '{"cells": []}'
    assert "so your version stays: train.ipynb (it is open in JupyterLab" in answer["message"]


async def test_remove_and_branch(jp_fetch: Fetch, project: Path) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    code, answer = await post_json(
        jp_fetch, "branch", {"path": "project", "id": ids["fast"], "branch_name": "keep-fast"}
    )
    assert code == 200 and "keep-fast" in answer["message"]
    for name, status in (("keep-fast", 409), ("a b", 400)):  # taken, refused
        body = {"path": "project", "id": ids["fast"], "branch_name": name}
        code, answer = await post_json(jp_fetch, "branch", body)
        assert (code, answer["kind"]) == (status, "branch_name"), answer
    assert (
        git(project, "rev-parse", "keep-fast").strip()
        == git(project, "rev-parse", ids["fast"]).strip()
    )
    code, answer = await post_json(jp_fetch, "remove", {"path": "project", "ids": [ids["slow"]]})
    assert code == 200 and "slow" in answer["message"]
    table = await get_json(jp_fetch, "experiments", path="project")
    assert sorted(experiment_ids(table)) == ["fast"]


@pytest.mark.parametrize(
    ("route", "body", "expected"),
    [
        ("apply", {"path": "project"}, "lacks 'id'"),
        ("apply", {"path": "project", "id": 3}, "'id' must be a str"),
        ("apply", {"path": "project", "id": "workspace"}, "not an experiment"),
        ("apply", {"path": "project", "id": "--upload-pack=x"}, "not an experiment"),
        ("apply", {"path": "project", "id": "refs/exps/zz/y/x"}, "not an experiment"),
        ("apply", {"path": "project", "id": "x", "force": "yes"}, "'force' must be a bool"),
        ("remove", {"path": "project", "ids": "refs/exps/a"}, "'ids' must be a list"),
        ("remove", {"path": "project", "ids": []}, "not an experiment"),
        ("remove", [1, 2], "must be a JSON object"),
        ("branch", {"path": "project", "id": "x"}, "lacks 'branch_name'"),
    ],
)
async def test_bad_input_gets_400_with_a_readable_message(
    jp_fetch: Fetch, project: Path, route: str, body: Any, expected: str
) -> None:
    code, answer = await post_json(jp_fetch, route, body)
    assert code == 400, answer
    assert expected in answer["message"]
    assert "Traceback" not in answer["message"]


async def test_a_body_that_is_not_json(jp_fetch: Fetch, project: Path) -> None:
    response = await jp_fetch(
        "live-nb", "api", "apply", method="POST", body="{not json", raise_error=False
    )
    assert response.code == 400
    assert "not valid JSON" in json.loads(response.body)["message"]


POST_ROUTES = [
    "apply", "remove", "push", "branch", "note", "running/stop", "launch", "launch/worker",
    "star",
]  # fmt: skip


@pytest.mark.parametrize("route", POST_ROUTES)
@pytest.mark.parametrize(
    ("body", "expected"), [("{not json", "not valid JSON"), ("[1, 2]", "must be a JSON object")]
)
async def test_every_post_route_refuses_a_body_that_is_not_a_json_object(
    jp_fetch: Fetch, project: Path, route: str, body: str, expected: str
) -> None:
    response = await jp_fetch(
        "live-nb", "api", *route.split("/"), method="POST", body=body, raise_error=False
    )
    answer = json.loads(response.body)
    assert (response.code, answer["kind"]) == (400, "bad-request"), answer
    assert expected in answer["message"]


async def test_the_bundle_is_served_as_a_javascript_module(jp_fetch: Fetch) -> None:
    response = await jp_fetch("live-nb", "static", "table.js")
    assert response.headers["Content-Type"].startswith("text/javascript")
    assert (
        response.body
        == (Path(__file__).resolve().parents[2] / "live_nb" / "static" / "widget.js").read_bytes()
    )


def test_each_failure_has_its_status_and_kind(tmp_path: Path) -> None:
    from live_nb.experiments.manage import (
        BranchExistsError,
        ExperimentChangedError,
        InvalidBranchNameError,
    )
    from live_nb.experiments.refs import ExpRef
    from live_nb.git import NotAGitRepositoryError, RefChangedError
    from live_nb.server.base import BadRequestError, status_of
    from live_nb.server.panel import NotAnExperimentError, RepositoryOutsideRootError
    from live_nb.server.paths import FolderNotFoundError, PathRefusedError

    assert status_of(RefChangedError("refs/exps/x", "moved")) == (409, "changed")
    assert status_of(ExperimentChangedError(ExpRef("a" * 40, "x"))) == (409, "changed")
    assert status_of(PathRefusedError("..", "it goes up")) == (403, "refused")
    assert status_of(RepositoryOutsideRootError(tmp_path)) == (403, "refused")
    assert status_of(FolderNotFoundError("x")) == (404, "not-found")
    assert status_of(NotAGitRepositoryError(tmp_path)) == (404, "no-repository")
    assert status_of(BadRequestError("no")) == (400, "bad-request")
    assert status_of(NotAnExperimentError("apply", "x")) == (400, "error")
    assert status_of(InvalidBranchNameError("a b")) == (400, "branch_name")
    assert status_of(BranchExistsError("main")) == (409, "branch_name")


async def test_push_to_the_default_remote(
    jp_fetch: Fetch, project: Path, jp_root_dir: Path
) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    code, answer = await post_json(jp_fetch, "push", {"path": "project", "ids": [ids["fast"]]})
    assert code != 200 and "no default Git remote" in answer["message"], answer
    origin = jp_root_dir / "origin.git"
    git(jp_root_dir, "init", "-q", "--bare", str(origin))
    git(project, "remote", "add", "origin", str(origin))
    code, answer = await post_json(jp_fetch, "push", {"path": "project", "ids": [ids["fast"]]})
    assert code == 200 and "Pushed 1 experiment to 'origin': fast." in answer["message"], answer
    assert ids["fast"] in git(origin, "for-each-ref", "--format=%(refname)")


async def test_a_queued_run_is_a_row_of_the_sidebar_and_changes_the_etag(
    jp_fetch: Fetch, project: Path
) -> None:
    import sys

    from live_nb import runs

    first = await jp_fetch("live-nb", "api", "experiments", params={"path": "project"})
    tag = first.headers["ETag"]
    runs.queue(command=[sys.executable, "-c", "pass"], name="later", path=project)
    changed = await jp_fetch(
        "live-nb",
        "api",
        "experiments",
        params={"path": "project"},
        headers={"If-None-Match": tag},
    )
    assert changed.code == 200 and changed.headers["ETag"] != tag
    table = json.loads(changed.body)
    (row,) = [row for row in table["rows"] if row["id"] == "live-nb:later"]
    assert (row["state"], row["queue"], row["commit"]) == ("queued", "live-nb", None)
    for route, body in [
        ("apply", {"id": "live-nb:later"}),
        ("remove", {"ids": ["live-nb:later"]}),
        ("branch", {"id": "live-nb:later", "branch_name": "b"}),
    ]:
        code, answer = await post_json(jp_fetch, route, {"path": "project", **body})
        assert code >= 400 and "has not run" in answer["message"], answer
    histories = await get_json(jp_fetch, "histories", path="project", id="live-nb:later")
    assert "not started yet" in histories["histories"]["live-nb:later"]["error"]
