"""A run opened from the panel: its view, its read-only notebook, and stars, through the routes."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest

from live_nb import Live
from live_nb.experiments.save import save
from live_nb.experiments.show import show
from live_nb.git import Repository
from live_nb.server.notebook_view import POLICY
from tests.conftest import git
from tests.server.conftest import Fetch, get_json, post_json
from tests.server.test_experiments_routes import experiment_ids

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)
HOSTILE = {
    "cells": [
        {
            "cell_type": "markdown",
            "metadata": {},
            "source": '# Sweep\n<img src=x onerror="window.hacked = 3"><iframe src="https://x.test"></iframe>',
        },
        {
            "cell_type": "code",
            "execution_count": 1,
            "metadata": {},
            "source": "print('trained')",
            "outputs": [
                {"output_type": "stream", "name": "stdout", "text": "trained\n"},
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {
                        "application/javascript": "window.hacked = 1",
                        "text/plain": "<IPython.core.display.Javascript object>",
                    },
                },
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/html": "<b>bold</b><script>window.hacked = 2</script>"},
                },
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"application/vnd.jupyter.widget-view+json": {"model_id": "x"}},
                },
            ],
        },
    ],
    "metadata": {"signature": "sha256:trust-me"},
    "nbformat": 4,
    "nbformat_minor": 5,
}


async def open_run(fetch: Fetch, route: str, row_id: str) -> tuple[int, dict]:
    response = await fetch(
        "live-nb",
        "api",
        *route.split("/"),
        params={"path": "project", "id": row_id},
        raise_error=False,
    )
    return response.code, json.loads(response.body)


@pytest.fixture
def pictured(project: Path) -> str:
    """An experiment ``pictured`` with two frames of an image and an execution record."""
    with Live(save_dvc_exp=False) as live:
        live.log_param("lr", 0.2)
        for step in range(2):
            live.log_metric("train/loss", 0.5 - step * 0.1)
            live.next_step()
    images = project / "dvclive" / "plots" / "images" / "samples"
    images.mkdir(parents=True)
    (images / "0.png").write_bytes(PNG)
    (images / "1.png").write_bytes(PNG + b"latest")
    (project / "dvclive" / "execution.ipynb").write_text(json.dumps(HOSTILE))
    saved = save(name="pictured")
    git(project, "checkout", "-q", "--", ".")
    git(project, "clean", "-qfd")
    return saved.ref


async def test_a_run_view_has_its_charts_images_params_metrics_diff_and_notebook(
    jp_fetch: Fetch, project: Path, pictured: str
) -> None:
    code, view = await open_run(jp_fetch, "run", pictured)
    assert code == 200, view
    assert view["name"] == "pictured" and view["id"] == pictured
    assert view["spec"]["$schema"].startswith("https://vega.github.io/schema/vega-lite/")
    sections = [row["title"]["text"] for row in view["spec"]["vconcat"]]
    assert sections == ["train", "images"]
    chart = view["spec"]["vconcat"][0]["concat"][0]
    assert chart["data"]["values"] == [{"step": [0.0, 1.0], "value": [0.5, 0.4]}]
    image = view["spec"]["vconcat"][1]["concat"][0]
    assert image["title"]["subtitle"] == "step 1"  # the latest frame, read from the commit
    assert base64.b64encode(PNG + b"latest").decode() in json.dumps(image)
    assert view["images"] == 1 and view["downsampled"] is False
    assert ["lr", 0.2] in view["params"]
    assert ["train.loss", pytest.approx(0.4)] in view["metrics"]
    lr = next(row for row in view["diff"]["params"] if row["key"] == "lr")
    assert (lr["old"], lr["new"]) == (0.1, 0.2)
    assert ["A", "dvclive/execution.ipynb"] in view["diff"]["files"]
    assert view["notebook"] == {"path": "dvclive/execution.ipynb", "kind": "executed"}


async def test_a_run_views_charts_are_in_the_order_the_run_logged_them(
    jp_fetch: Fetch, project: Path
) -> None:
    with Live(save_dvc_exp=False) as live:
        for step in range(2):
            for name in ("zeta", "val/loss", "alpha", "val/acc"):
                live.log_metric(name, step / 10)
            live.next_step()
    saved = save(name="ordered")

    code, view = await open_run(jp_fetch, "run", saved.ref)

    assert code == 200, view
    titles = [
        [chart["title"]["text"].split(" = ")[0] for chart in row["concat"]]
        for row in view["spec"]["vconcat"]
    ]
    assert titles == [["zeta", "alpha"], ["val/loss", "val/acc"]]
    # the values as metrics.json lists them (a group's metrics together), then the others
    keys = [key for key, _ in view["metrics"]]
    assert keys == ["zeta", "val.loss", "val.acc", "alpha", "step", "train.loss"]


async def test_a_run_views_title_has_its_outcome_and_duration(
    jp_fetch: Fetch, project: Path
) -> None:
    with Live(save_dvc_exp=False) as live:
        live.log_metric("loss", 1.0)
        live.next_step()
    trailers = {"Live-Nb-Status": "interrupted", "Live-Nb-Duration": "65.500s"}
    saved = save(name="stopped", trailers=trailers)
    git(project, "checkout", "-q", "--", ".")
    code, view = await open_run(jp_fetch, "run", saved.ref)
    assert code == 200, view
    title = json.dumps(view["spec"])
    assert "interrupted" in title and "1:05" in title and "saved" not in title


async def test_the_notebook_is_read_from_the_commit_and_can_run_nothing(
    jp_fetch: Fetch, project: Path, pictured: str
) -> None:
    code, page = await open_run(jp_fetch, "run/notebook", pictured)
    assert code == 200, page
    assert page["path"] == "dvclive/execution.ipynb" and page["kind"] == "executed"
    html = page["html"]
    assert "trained" in html and "<b>bold</b>" in html
    assert "window.hacked = 1" not in html  # the JavaScript output is left out
    assert "<script>window.hacked" not in html  # the HTML's script is text, escaped
    assert "<img onerror" not in html and '<iframe src="https' not in html  # Markdown's HTML
    assert "left out of this read-only copy: application/vnd.jupyter.widget-view+json" in html
    assert "left out of this read-only copy: application/javascript" in html
    assert "trust-me" not in html
    assert not (project / "dvclive" / "execution.ipynb").exists()  # never the working tree
    # nothing reaches the network: no template script (require.js, MathJax from a CDN), and a
    # policy letting the page load only its inline styles and data: images
    assert "<script" not in html.lower() and "cdnjs" not in html
    assert f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">' in html


async def test_a_run_without_a_notebook_says_so(jp_fetch: Fetch, project: Path) -> None:
    fast = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))["fast"]
    code, view = await open_run(jp_fetch, "run", fast)
    assert code == 200 and view["notebook"] is None
    code, answer = await open_run(jp_fetch, "run/notebook", fast)
    assert code == 404 and answer["kind"] == "no-notebook"
    assert "holds no notebook" in answer["message"]


@pytest.mark.parametrize("route", ["run", "run/notebook"])
@pytest.mark.parametrize(
    "row_id", ["", "workspace", "refs/exps/00/0000000000000000000000000000000000000/gone", "HEAD"]
)
async def test_an_unknown_run_is_404(
    jp_fetch: Fetch, project: Path, route: str, row_id: str
) -> None:
    code, answer = await open_run(jp_fetch, route, row_id)
    assert code == 404 and answer["kind"] == "unknown-run", answer
    assert "is not an experiment of this repository" in answer["message"]


@pytest.mark.parametrize("route", ["run", "run/notebook"])
async def test_a_run_outside_the_served_folder_is_refused(
    jp_fetch: Fetch, project: Path, route: str
) -> None:
    for path in ("../", "/etc"):
        response = await jp_fetch(
            "live-nb",
            "api",
            *route.split("/"),
            params={"path": path, "id": "x"},
            raise_error=False,
        )
        assert response.code == 403
        assert json.loads(response.body)["kind"] == "refused"


@pytest.mark.parametrize(
    ("method", "parts"),
    [
        ("GET", ("live-nb", "api", "run")),
        ("GET", ("live-nb", "api", "run", "notebook")),
        ("POST", ("live-nb", "api", "star")),
    ],
)
async def test_the_run_routes_refuse_an_unauthenticated_request(
    jp_fetch: Fetch, project: Path, method: str, parts: tuple[str, ...]
) -> None:
    for header in ("", "token not-the-token"):
        response = await jp_fetch(
            *parts,
            method=method,
            body="{}" if method == "POST" else None,
            params={"path": "project"},
            headers={"Authorization": header},
            raise_error=False,
        )
        assert response.code == 403, (parts, header)
    with Repository.discover(project) as repo:
        assert repo.refs("refs/live_nb/") == []


async def test_a_star_is_a_ref_shown_in_the_table_and_gone_with_its_experiment(
    jp_fetch: Fetch, project: Path
) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    code, answer = await post_json(jp_fetch, "star", {"path": "project", "id": ids["slow"]})
    assert code == 200 and answer["message"].startswith("Starred slow")
    star = "refs/live_nb/stars/" + ids["slow"].removeprefix("refs/exps/")
    assert git(project, "rev-parse", star).strip() == git(project, "rev-parse", ids["slow"]).strip()
    table = await get_json(jp_fetch, "experiments", path="project")
    column = [c["name"] for c in table["columns"]].index("Star")
    assert {row["id"]: row["values"][column] for row in table["rows"]}[ids["slow"]] == "★"
    assert "refs/exps" not in star and "slow" not in git(project, "for-each-ref", "refs/exps/fast")
    df = show(project)
    assert list(df.loc[df["Experiment"] == "slow", "Star"]) == ["★"]
    code, answer = await post_json(jp_fetch, "remove", {"path": "project", "ids": [ids["slow"]]})
    assert code == 200, answer
    assert git(project, "for-each-ref", "refs/live_nb/").strip() == ""


async def test_unstar_and_bad_star_requests(jp_fetch: Fetch, project: Path) -> None:
    ids = experiment_ids(await get_json(jp_fetch, "experiments", path="project"))
    await post_json(jp_fetch, "star", {"path": "project", "id": ids["fast"]})
    code, answer = await post_json(
        jp_fetch, "star", {"path": "project", "id": ids["fast"], "starred": False}
    )
    assert code == 200 and answer["message"] == "Unstarred fast."
    assert "Star" not in show(project).columns
    for body, status, kind in [
        ({"path": "project", "id": "workspace"}, 404, "unknown-run"),
        ({"path": "project"}, 400, "bad-request"),
        ({"path": "project", "id": ids["fast"], "starred": "yes"}, 400, "bad-request"),
        ({"path": "../", "id": ids["fast"]}, 403, "refused"),
    ]:
        code, answer = await post_json(jp_fetch, "star", body)
        assert (code, answer["kind"]) == (status, kind), (body, answer)
    assert git(project, "for-each-ref", "refs/live_nb/").strip() == ""
