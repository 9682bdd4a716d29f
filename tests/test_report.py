"""``Live(report="html")`` and ``Live(report="md")``: the report file, kept up to date."""

from __future__ import annotations

import base64
import csv
import hashlib
import itertools
import json
import re
import shutil
import subprocess
import sys
import warnings
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import live_nb
from live_nb import Live, LiveNbWarning
from live_nb.error import InvalidReportModeError
from live_nb.render import downsample, theme
from live_nb.render.downsample import StreamingPoints
from live_nb.reports import file as file_report
from live_nb.reports import html as report
from live_nb.reports import markdown
from live_nb.reports.markdown import md_escape, md_table
from live_nb.widgets.stream import flatten_summary
from tests.conftest import git

XSS = "<img src=x onerror=alert(1)>"
BREAKOUT = "</script><script>alert(1)</script>"
ISLAND = re.compile(
    r'<script type="application/json" id="live-nb-report-data">(.*?)</script>', re.DOTALL
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_bundle = pytest.mark.skipif(
    not report.BUNDLE.exists(),
    reason="live_nb/static/report.js is not built (cd js && npm run build)",
)
needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)


# ---- helpers --------------------------------------------------------------------------------


class Page(HTMLParser):
    """The elements of an HTML page, the text of its scripts, and its text outside scripts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag == "script":
            self._script = dict(attrs)
            self.scripts.append((self._script, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)
        else:
            self.text.append(data)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]


def island(html: str) -> dict[str, Any]:
    match = ISLAND.search(html)
    assert match is not None, "no data island"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def tsv_rows(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as file:
        return list(csv.DictReader(file, delimiter="\t"))


def html_of(live: Live) -> str:
    assert live.report_file is not None
    return Path(live.report_file).read_text(encoding="utf-8")


def full_run(dir: str = "dvclive", steps: int = 5, **kwargs: Any) -> Live:
    """A run that logs one of everything, with user strings that look like markup."""
    with Live(dir, report="html", save_dvc_exp=False, **kwargs) as live:
        live.log_params({"lr": 0.01, XSS: BREAKOUT, "model": {"layers": [64, 32]}})
        for step in range(steps):
            live.log_metric("train/loss", 1.0 / (step + 1))
            live.log_metric("eval/loss", 1.5 / (step + 1))
            live.log_metric("acc", 0.5 + step / 100)
            live.log_metric(XSS, step)
            live.log_metric("label", BREAKOUT)
            live.log_image(f"samples/{step}.png", np.full((4, 4, 3), step * 40, dtype=np.uint8))
            live.next_step()
        live.log_image("final.png", np.zeros((6, 6, 3), dtype=np.uint8))
        live.log_sklearn_plot("roc", [0, 1, 0, 1, 1], [0.1, 0.8, 0.4, 0.6, 0.3])
        live.log_sklearn_plot("confusion_matrix", [0, 1, 0, 1], [0, 1, 1, 1])
        live.log_plot(XSS, [{"x": 1, "y": 2}, {"x": 2, "y": 3}], x="x", y="y", title=XSS)
    return live


# ---- report.html ----------------------------------------------------------------------------


def test_html_report_is_written_at_the_first_step_and_at_the_end(tmp_dir: Path) -> None:
    live = Live(report="html", save_dvc_exp=False)
    assert live.report_file == str(Path("dvclive") / "report.html")
    live.log_metric("loss", 1.0)
    live.next_step()
    running = html_of(live)
    assert '<meta http-equiv="refresh" content="5">' in running
    assert island(running)["message"]["running"] is True
    live.log_metric("loss", 0.5)
    live.end()
    final = html_of(live)
    assert 'http-equiv="refresh"' not in final
    data = island(final)
    assert data["message"]["status"] == "done"
    assert data["message"]["running"] is False
    assert data["refresh"] is None
    assert data["message"]["series"] == [{"name": "loss", "steps": [0, 1], "values": [1.0, 0.5]}]
    assert not list(Path("dvclive").glob(".report.html.*"))  # written atomically, no temp left


@needs_bundle
def test_html_report_is_one_self_contained_file(tmp_dir: Path) -> None:
    live = full_run()
    text = html_of(live)
    page = Page(text)
    for tag, attrs in page.elements:
        for name in ("src", "href", "action", "data", "poster"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
    assert not page.tags("link") and not page.tags("iframe")
    scripts = page.scripts
    assert [attrs.get("type") for attrs, _ in scripts] == ["application/json", "module"]
    assert all("src" not in attrs for attrs, _ in scripts)
    module = scripts[1][1]
    assert module == report.report_bundle()
    # the Content-Security-Policy allows that one script and no load from anywhere
    policy = next(
        attrs["content"]
        for attrs in page.tags("meta")
        if attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert policy is not None
    assert "default-src 'none'" in policy
    digest = base64.b64encode(hashlib.sha256(module.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}';" in policy
    # the images are data: URLs in the data island, nothing refers to files
    images = island(text)["message"]["images"]
    assert {image["name"] for image in images} == {f"samples/{i}.png" for i in range(5)} | {
        "final.png"
    }


def test_embedded_data_matches_the_files(tmp_dir: Path) -> None:
    live = full_run()
    data = island(html_of(live))
    message = data["message"]
    metrics = Path("dvclive/plots/metrics")
    series = {entry["name"]: entry for entry in message["series"]}
    assert set(series) == {"train/loss", "eval/loss", "acc", XSS}  # "label" is text: no chart
    for name, entry in series.items():
        rows = tsv_rows(metrics / f"{name}.tsv")
        column = name.rpartition("/")[2]
        assert entry["steps"] == [int(row["step"]) for row in rows]
        assert entry["values"] == [float(row[column]) for row in rows]
        assert data["counts"][name] == len(rows)
    summary = json.loads(Path("dvclive/metrics.json").read_text())
    assert message["latest"] == flatten_summary(summary)
    assert message["latest"]["train/loss"] == summary["train"]["loss"]
    assert message["latest"]["label"] == BREAKOUT
    assert message["latest"][XSS] == 4
    assert message["step"] == 5
    assert message["params"] == [["lr", 0.01], [XSS, BREAKOUT], ["model", '{"layers": [64, 32]}']]
    images = {image["name"]: image for image in message["images"]}
    for name, image in images.items():
        assert image["mime"] == "image/png"
        assert base64.b64decode(image["bytes"]) == Path("dvclive/plots/images", name).read_bytes()
    plots = {plot["name"]: plot for plot in message["plots"]}
    assert plots["confusion_matrix"]["data"] == json.loads(
        Path("dvclive/plots/sklearn/confusion_matrix.json").read_text()
    )
    roc = json.loads(Path("dvclive/plots/sklearn/roc.json").read_text())["roc"]
    assert [r["fpr"] for r in plots["roc"]["data"]] == [r["fpr"] for r in roc]
    assert plots["roc"]["config"]["template"] == "simple"
    assert plots[XSS]["config"]["title"] == XSS


def test_inlined_text_cannot_end_its_script_element() -> None:
    code = 'const a = "</script><!-- x", b = /<\\/SCRIPT>/;'
    inlined = report.inline_script_text(code)
    assert "</script" not in inlined.lower() and "<!--" not in inlined
    assert inlined == 'const a = "<\\/script>\\x3C!-- x", b = /<\\/SCRIPT>/;'
    data = {"name": f"{BREAKOUT} <!-- & \u2028"}
    text = report.json_island(data)
    assert not set("<>&\u2028") & set(text)
    assert json.loads(text) == data


def test_a_long_series_is_embedded_as_the_dashboard_draws_it(tmp_dir: Path) -> None:
    live = Live(report="html", save_dvc_exp=False)
    values = [float(np.sin(i / 50.0) + (i % 7) / 10) for i in range(12_345)]
    for value in values:
        live.log_metric("wave", value)
        live.next_step()
    live.end()
    entry = island(html_of(live))["message"]["series"][0]
    kept = downsample.downsample_indices(values)
    assert entry["steps"] == kept
    assert entry["values"] == [values[i] for i in kept]
    assert island(html_of(live))["counts"]["wave"] == 12_345
    assert len(entry["steps"]) <= theme.DISPLAY_MAX_POINTS


@settings(max_examples=150, deadline=None)
@given(
    values=st.lists(st.integers(-5, 5).map(float), max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=6),
    max_points=st.integers(3, 40),
)
def test_streaming_points_keep_what_downsample_indices_keeps(
    values: list[float], cuts: list[int], max_points: int
) -> None:
    points = StreamingPoints(max_points)
    bounds = sorted({0, len(values), *(min(c, len(values)) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        points.extend([i * 10 for i in range(start, end)], values[start:end])
    expected = downsample.downsample_indices(values, max_points)
    assert points.indices() == expected
    steps, kept = points.points()
    assert steps == [i * 10 for i in expected]
    assert kept == [values[i] for i in expected]
    assert points.count == len(values)


def test_user_strings_cannot_break_out_of_the_page(tmp_dir: Path) -> None:
    live = full_run()
    text = html_of(live)
    match = ISLAND.search(text)
    assert match is not None
    raw = match.group(1)
    assert "<" not in raw and ">" not in raw and "&" not in raw  # JSON escapes only
    data = json.loads(raw)
    assert data["message"]["latest"][XSS] == 4
    assert [XSS, BREAKOUT] in data["message"]["params"]
    page = Page(text)
    # no element came from user data: one image-free page, with exactly two scripts
    assert page.tags("img") == []
    assert len(page.scripts) == 2
    assert text.count("</script>") == 2
    # the no-script summary shows the strings as text
    visible = "".join(page.text)
    assert XSS in visible
    assert BREAKOUT in visible
    assert "&lt;img src=x onerror=alert(1)&gt;" in text


def test_the_report_is_refreshed_as_steps_go_on_and_rewrites_are_coalesced(
    tmp_dir: Path,
) -> None:
    live = Live(report="html", save_dvc_exp=False)
    writer = live._report
    assert isinstance(writer, report.HtmlReport)
    live.log_metric("loss", 1.0)
    live.next_step()
    assert writer.writes == 1
    first = island(html_of(live))
    for step in range(1, 200):  # far quicker than REPORT_INTERVAL: no rewrite
        live.log_metric("loss", 1.0 / (step + 1))
        live.next_step()
    assert writer.writes == 1
    assert island(html_of(live)) == first
    assert writer.due > 0
    writer.due = 0.0  # the interval has passed
    live._next_sync = 0.0
    live.log_metric("loss", 0.001)
    live.next_step()
    assert writer.writes == 2
    later = island(html_of(live))
    assert later["message"]["step"] == 201
    assert later["counts"]["loss"] == 201
    assert later["message"]["latest"]["loss"] == 0.001
    live.make_report()  # explicit: written now
    assert writer.writes == 3
    live.end()
    assert writer.writes == 4


def test_a_costly_rewrite_waits_longer_for_the_next(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Live(report="html", save_dvc_exp=False)
    writer = live._report
    assert writer is not None
    clock = iter([10.0, 10.3])  # one rewrite takes 0.3 s
    monkeypatch.setattr(file_report.time, "perf_counter", lambda: next(clock))
    writer.update()
    assert writer.interval == pytest.approx(0.3 / file_report.REPORT_MAX_SHARE)
    monkeypatch.undo()
    writer.update()
    assert writer.interval == file_report.REPORT_INTERVAL


def test_a_failing_report_warns_once_and_the_run_goes_on(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object) -> None:
        raise OSError("disk full")

    live = Live(report="html", save_dvc_exp=False)
    monkeypatch.setattr(report, "atomic_write", broken)
    with pytest.warns(LiveNbWarning, match=r"could not write .*report\.html .*disk full"):
        live.log_metric("loss", 1.0)
        live.next_step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        live.make_report()  # warned once already
        live.end()
    assert json.loads(Path("dvclive/metrics.json").read_text()) == {"loss": 1.0, "step": 0}


def test_a_run_that_raises_ends_its_report_with_error(tmp_dir: Path) -> None:
    with pytest.raises(RuntimeError), Live(report="html", save_dvc_exp=False) as live:
        live.log_metric("loss", 1.0)
        live.next_step()
        raise RuntimeError("boom")
    assert island(html_of(live))["message"]["status"] == "error"


def test_images_beyond_the_budget_are_left_out_latest_first(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = Live(report="html", save_dvc_exp=False)
    for step in range(4):
        live.log_image(f"samples/{step}.png", np.full((8, 8, 3), step, dtype=np.uint8))
        live.next_step()
    live.log_image("other.png", np.zeros((8, 8, 3), dtype=np.uint8))
    size = Path("dvclive/plots/images/samples/3.png").stat().st_size
    monkeypatch.setattr(report, "MAX_REPORT_IMAGE_BYTES", 3 * size + 10)
    live.end()
    data = island(html_of(live))
    names = [image["name"] for image in data["message"]["images"]]
    assert names == ["samples/2.png", "samples/3.png", "other.png"]
    assert data["omitted"]["images"] == 2
    monkeypatch.setattr(report, "MAX_REPORT_IMAGE_BYTES", 100 * size)
    live.make_report()  # the images left out come back, read again from their files
    images = island(html_of(live))["message"]["images"]
    assert len(images) == 5
    for image in images:
        assert (
            base64.b64decode(image["bytes"])
            == Path("dvclive/plots/images", image["name"]).read_bytes()
        )


def test_without_the_built_script_the_report_is_static_svg(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "BUNDLE", tmp_dir / "missing.js")
    with pytest.warns(LiveNbWarning, match="report script .* is missing"):
        live = full_run()
    page = Page(html_of(live))
    assert [attrs.get("type") for attrs, _ in page.scripts] == ["application/json"]
    assert page.tags("svg") and page.tags("polyline")
    assert XSS in "".join(page.text)
    assert page.tags("img") == []


def test_the_final_report_is_in_the_saved_experiment(git_repo: Path) -> None:
    with Live(report="html", exp_name="reported") as live:
        live.log_metric("loss", 1.0)
        live.next_step()
    assert live.experiment is not None
    saved = git(git_repo, "show", f"{live.experiment.commit}:dvclive/report.html")
    assert 'http-equiv="refresh"' not in saved
    assert island(saved)["message"]["status"] == "done"


def test_invalid_report_mode_is_one_readable_error(tmp_dir: Path) -> None:
    with pytest.raises(InvalidReportModeError, match="must be None, 'html', 'md' or 'notebook'"):
        Live(report="pdf")  # type: ignore[arg-type]


def test_a_new_run_removes_the_previous_report(tmp_dir: Path) -> None:
    full_run()
    assert Path("dvclive/report.html").exists()
    live = Live(save_dvc_exp=False)
    assert not Path("dvclive/report.html").exists()
    assert live.report_file is None


# ---- in a real browser ------------------------------------------------------------------------


def chromium_dom(page: Path, tmp_path: Path) -> tuple[str, str]:
    """The page's DOM once its scripts ran, and Chromium's log (console messages included)."""
    assert CHROMIUM is not None
    result = subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=4000",  # less than the reload interval
            "--dump-dom",
            page.absolute().as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout, result.stderr


@pytest.mark.e2e
@needs_bundle
@needs_chromium
def test_chromium_draws_the_report_and_runs_nothing_from_user_data(tmp_dir: Path) -> None:
    live = full_run(steps=7)
    dom, log = chromium_dom(Path(live.report_file or ""), tmp_dir)
    page = Page(dom)
    root = next(attrs for tag, attrs in page.elements if attrs.get("id") == "live-nb-report")
    assert root.get("data-report") == "ready", log[-3000:]
    charts = {attrs["data-metric"]: attrs for attrs in page.tags("div") if "data-metric" in attrs}
    assert set(charts) >= {"train/loss", "eval/loss", "acc", XSS}
    for name in ("train/loss", "eval/loss", "acc", XSS):
        attrs = charts[name]
        assert attrs.get("data-points") == attrs.get("data-logged") == "7"
        assert attrs.get("data-marks") == "7", attrs  # one drawn point per step
    plots = {attrs["data-plot"]: attrs for attrs in page.tags("div") if "data-plot" in attrs}
    assert plots["confusion_matrix"].get("data-marks") == "4"  # three cells, one of them 0
    assert int(plots["roc"].get("data-marks") or 0) >= 1
    assert plots[XSS].get("data-points") == "2"
    assert len(page.tags("svg")) >= 7
    # images are the report's own <img> elements with data: URLs, and one slider
    images = page.tags("img")
    assert len(images) == 2
    assert all((img.get("src") or "").startswith("data:image/png;base64,") for img in images)
    assert all(img.get("onerror") is None for img in images)
    assert not [img for img in images if img.get("src") == "x"]
    samples = next(a for a in page.tags("div") if a.get("data-image") == "samples")
    assert samples.get("data-frames") == "7"
    # the strings are text on the page; nothing ran, nothing was refused or loaded
    visible = "".join(page.text)
    assert XSS in visible and BREAKOUT in visible
    console = [line for line in log.splitlines() if ":CONSOLE" in line]
    assert console == [], console


@needs_bundle
@pytest.mark.e2e
@needs_chromium
def test_chromium_shows_a_running_report_that_reloads(tmp_dir: Path) -> None:
    live = Live(report="html", save_dvc_exp=False)
    live.log_metric("loss", 1.0)
    live.next_step()
    dom, log = chromium_dom(Path(live.report_file or ""), tmp_dir)
    page = Page(dom)
    root = next(attrs for tag, attrs in page.elements if attrs.get("id") == "live-nb-report")
    assert root.get("data-report") == "ready", log[-3000:]
    assert "this page reloads every 5 s" in "".join(page.text)
    live.end()


# ---- report.md ------------------------------------------------------------------------------


def md_run(live_class: Any) -> None:
    """A run both DVCLive and live_nb report the same way (no sklearn plots: DVCLive draws none)."""
    with live_class(report="md", save_dvc_exp=False) as live:
        live.log_params({"lr": 0.1, "epochs": 3, "model": {"name": "mlp", "layers": [64, 32]}})
        live.log_param("flag", True)
        for step in range(3):
            live.log_metric("train/loss", 1.0 / (step + 1))
            live.log_metric("acc", 0.5 + step * 0.125)
            live.next_step()
        live.log_image("sample.png", np.full((8, 8, 3), 200, dtype=np.uint8))
        live.log_plot("curve", [{"a": 1, "b": 2}, {"a": 2, "b": 3}], x="a", y="b")


def test_md_report_layout(tmp_dir: Path) -> None:
    md_run(Live)
    text = Path("dvclive/report.md").read_text(encoding="utf-8")
    assert text == (
        "# DVC Report\n"
        "\n"
        "params.yaml\n"
        "\n"
        "|   lr |   epochs | model.name   | model.layers   | flag   |\n"
        "|------|----------|--------------|----------------|--------|\n"
        "|  0.1 |        3 | mlp          | [64, 32]       | True   |\n"
        "\n"
        "metrics.json\n"
        "\n"
        "|   train.loss |   acc |   step |\n"
        "|--------------|-------|--------|\n"
        "|     0.333333 |  0.75 |      2 |\n"
        "\n"
        "![static/acc](static/acc.png)\n"
        "\n"
        "![static/train/loss](static/train/loss.png)\n"
        "\n"
        "![sample.png](plots/images/sample.png)\n"
        "\n"
        "![curve](static/plots/curve.png)\n"
    )
    for chart in ("static/acc.png", "static/train/loss.png", "static/plots/curve.png"):
        assert Path("dvclive", chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore")
def test_md_report_is_laid_out_as_dvclive_lays_it_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dvclive = pytest.importorskip("dvclive")
    pytest.importorskip("tabulate")
    texts = {}
    for name, live_class in (("dvclive", dvclive.Live), ("live_nb", live_nb.Live)):
        where = tmp_path / name
        where.mkdir()
        with monkeypatch.context() as patch:
            patch.chdir(where)
            md_run(live_class)
        texts[name] = (where / "dvclive" / "report.md").read_text(encoding="utf-8")
        assert (where / "dvclive/static/train/loss.png").is_file()

    def same_targets(text: str) -> str:
        # live_nb links the images (DVCLive inlines them as data: URLs, which GitHub does not
        # show) and keeps the custom plot's chart under static/ (DVCLive: next to report.md)
        text = re.sub(r"\]\(data:image/png;base64,[^)]*\)", "](<image>)", text)
        text = text.replace("](plots/images/sample.png)", "](<image>)")
        return text.replace("](static/plots/curve.png)", "](curve.png)")

    assert same_targets(texts["live_nb"]) == same_targets(texts["dvclive"])


def test_md_table_is_laid_out_as_tabulate_does() -> None:
    row = {"a": True, "b": None, "c": 3, "d": 0.1, "e": 123456789.5, "h": 1e-7, "i": [1, "x"]}
    row |= {"kkkkkkkkkkk": 2, "l": float("inf"), "s": "text", "t": ""}
    expected = (
        "| a    | b   |   c |   d |           e |     h | i        |   kkkkkkkkkkk |   l"
        " | s    | t   |\n"
        "|------|-----|-----|-----|-------------|-------|----------|---------------|-----"
        "|------|-----|\n"
        "| True |     |   3 | 0.1 | 1.23457e+08 | 1e-07 | [1, 'x'] |             2 | inf"
        " | text |     |"
    )
    assert md_table(row) == expected
    tabulate = pytest.importorskip("tabulate")
    columns = {key: [value] for key, value in row.items()}
    assert md_table(row) == tabulate.tabulate(columns, headers="keys", tablefmt="github")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("adam|sgd", "adam\\|sgd"),
        (XSS, "&lt;img src=x onerror=alert(1)&gt;"),
        ("<b>bold</b> & co", "&lt;b&gt;bold&lt;/b&gt; &amp; co"),
        ("[click](javascript:alert(1))", "\\[click\\](javascript:alert(1))"),
        ("[64, 32]", "[64, 32]"),
        ("*not bold*", "\\*not bold\\*"),
        ("train_loss", "train_loss"),
        ("_private", "\\_private"),
        ("two\nlines", "two<br>lines"),
        ("`code`", "\\`code\\`"),
    ],
)
def test_md_escapes_user_strings(text: str, shown: str) -> None:
    assert md_escape(text) == shown


def test_md_report_escapes_user_strings_in_tables_and_links(tmp_dir: Path) -> None:
    with Live(report="md", save_dvc_exp=False) as live:
        live.log_params({"opt|name": XSS, "note": "a|b"})
        live.log_metric("weird [name]", 1.0)
        live.log_metric("label", BREAKOUT)  # text: in the table, no chart (DVCLive fails here)
        live.next_step()
    text = Path("dvclive/report.md").read_text(encoding="utf-8")
    assert "<img" not in text and "<script" not in text
    table = text.split("\n\n")[2].splitlines()
    assert all(line.count("|") - line.count("\\|") == 3 for line in table)
    assert "opt\\|name" in text and "&lt;img src=x onerror=alert(1)&gt;" in text
    assert "![static/weird \\[name\\]](static/weird%20%5Bname%5D.png)" in text
    assert Path("dvclive/static/weird [name].png").is_file()
    assert not Path("dvclive/static/label.png").exists()


def test_md_report_draws_sklearn_and_custom_plots(tmp_dir: Path) -> None:
    with Live(report="md", save_dvc_exp=False) as live:
        live.log_sklearn_plot("roc", [0, 1, 0, 1], [0.1, 0.8, 0.3, 0.6])
        live.log_sklearn_plot("confusion_matrix", [0, 1, 2, 1], [0, 1, 1, 2], normalized=True)
        bars = [{"k": "a", "v": 2}, {"k": "b", "v": 1}]
        live.log_plot("bars", bars, x="v", y="k", template="bar_horizontal_sorted")
        live.log_plot("two", [{"x": 1, "p": 2, "q": 1}], x="x", y=["p", "q"], template="scatter")
        live.log_plot("$math", [{"x": 1, "y": 1}], x="x", y="y", title="$unbalanced")
    text = Path("dvclive/report.md").read_text(encoding="utf-8")
    links = re.findall(r"!\[[^\]]*\]\(([^)]*)\)", text)
    assert links == [
        "static/plots/roc.png",
        "static/plots/confusion_matrix.png",
        "static/plots/bars.png",
        "static/plots/two.png",
        "static/plots/%24math.png",
    ]
    for link in links:
        assert Path("dvclive", link.replace("%24", "$")).read_bytes()[:4] == b"\x89PNG"


def test_md_report_redraws_only_what_changed(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[str] = []
    draw_metric = markdown.draw_metric

    def counting(source: Path, name: str, chart: Path) -> bool:
        drawn.append(name)
        return draw_metric(source, name, chart)

    monkeypatch.setattr(markdown, "draw_metric", counting)
    live = Live(report="md", save_dvc_exp=False)
    live.log_metric("a", 1.0)
    live.log_metric("b", 1.0)
    live.next_step()
    assert sorted(drawn) == ["a", "b"]
    live.log_metric("a", 2.0)
    live.step += 1
    live.make_report()
    assert sorted(drawn) == ["a", "a", "b"]


def test_md_report_without_matplotlib_warns_and_goes_on(
    tmp_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.warns(LiveNbWarning, match=r"matplotlib, which is not installed.*report='html'"):
        live = Live(report="md", save_dvc_exp=False)
    assert live.report_file is None
    live.log_metric("loss", 1.0)
    live.next_step()
    live.end()
    assert not Path("dvclive/report.md").exists()
    assert Path("dvclive/metrics.json").exists()


def test_a_new_md_run_clears_the_previous_charts(tmp_dir: Path) -> None:
    with Live(report="md", save_dvc_exp=False) as live:
        live.log_metric("old", 1.0)
        live.next_step()
    assert Path("dvclive/static/old.png").exists()
    with Live(report="md", save_dvc_exp=False) as live:
        live.log_metric("new", 1.0)
        live.next_step()
    assert not Path("dvclive/static/old.png").exists()
    assert Path("dvclive/static/new.png").exists()
