"""A note written from the panel is in Git and in the table the panel (and exp show) reads."""

from __future__ import annotations

from pathlib import Path

from live_nb.experiments.show import show
from tests.conftest import git
from tests.server.conftest import Fetch, get_json, post_json
from tests.server.test_experiments_routes import experiment_ids


async def test_a_note_from_the_panel_is_a_git_note_listed_in_the_table(
    jp_fetch: Fetch, project: Path
) -> None:
    table = await get_json(jp_fetch, "experiments", path="project")
    fast = experiment_ids(table)["fast"]
    body = {"path": "project", "id": fast, "text": "<b>keep</b> this one"}
    code, answer = await post_json(jp_fetch, "note", body)
    assert code == 200, answer
    assert answer["message"] == "Noted on fast: <b>keep</b> this one"
    table = await get_json(jp_fetch, "experiments", path="project")
    column = [c["name"] for c in table["columns"]].index("Notes")
    by_id = {row["id"]: row["values"][column] for row in table["rows"]}
    assert by_id[fast] == "<b>keep</b> this one"  # text: the view shows it as text
    df = show(project)
    assert list(df.loc[df["Experiment"] == "fast", "Notes"]) == ["<b>keep</b> this one"]
    assert "keep" in git(project, "notes", "--ref=live-nb", "show", fast)


async def test_a_note_on_the_workspace_is_refused(jp_fetch: Fetch, project: Path) -> None:
    code, answer = await post_json(
        jp_fetch, "note", {"path": "project", "id": "workspace", "text": "x"}
    )
    assert code == 400 and "Tick an experiment's row" in answer["message"]
