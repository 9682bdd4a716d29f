"""The live dashboard: what it streams to the browser, how often, and what a notebook keeps."""

from __future__ import annotations

import base64
import io
import itertools
import json
import math
import shutil
import subprocess
import threading
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from live_nb import Live, LiveNbWarning
from live_nb.formats import images as image_format
from live_nb.formats import metrics
from live_nb.render import downsample, svg, theme, vegalite
from live_nb.render import state as run_state
from live_nb.render import text as render_text
from live_nb.widgets.dashboard import LiveDashboard
from live_nb.widgets.stream import LiveReader, Pump, flatten_summary, json_safe, snapshot_message
from tests.kernel import Kernel, text_of

XSS = "<img src=x onerror=alert(1)>"
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


class Capture:
    """Stands in for the widget's comm: keeps every message and when it was sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any], list[bytes]]] = []
        self.lock = threading.Lock()

    def __call__(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        with self.lock:
            self.messages.append((time.monotonic(), content, [bytes(b) for b in buffers or []]))

    @property
    def contents(self) -> list[dict[str, Any]]:
        return [content for _, content, _ in self.messages]

    def rows(self, name: str) -> list[tuple[float, float]]:
        """Every (step, value) of a metric, in the order the messages delivered them."""
        out: list[tuple[float, float]] = []
        for _, content, buffers in self.messages:
            if content.get("reset"):
                out = []
            for entry in content.get("series", []):
                if entry["name"] == name:
                    steps, values = metrics.parse_rows(buffers[entry["buffer"]], entry["ts"])
                    out += zip(steps, values)
        return out


@pytest.fixture
def dashboard(tmp_dir: Path) -> Iterator[tuple[Live, LiveDashboard, Capture]]:
    live = Live(save_dvc_exp=False)
    view = LiveDashboard(live, title="%%live test")
    capture = Capture()
    view.send = capture  # type: ignore[method-assign]
    yield live, view, capture
    view.pump.stop()


# ---- streaming ----------------------------------------------------------------------------


def test_the_pump_coalesces_to_ten_messages_a_second_and_loses_nothing(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    view.pump.start()
    started = time.monotonic()
    step = 0
    while time.monotonic() - started < 1.5:
        live.log_metric("train/loss", 1 / (step + 1))
        live.log_metric("eval/acc", step % 7)
        live.next_step()
        step += 1
    live.end()
    view.finish("done", "all good")
    elapsed = time.monotonic() - started

    times = [sent for sent, _, _ in capture.messages]
    streamed = times[:-1]  # the last one is finish()'s
    assert 5 <= len(streamed) <= 10 * elapsed + 1
    gaps = [b - a for a, b in itertools.pairwise(streamed)]
    assert min(gaps) >= 0.09
    # every row arrived once, in order
    assert capture.rows("train/loss") == [(i, 1 / (i + 1)) for i in range(step)]
    assert capture.rows("eval/acc") == [(i, float(i % 7)) for i in range(step)]
    last = capture.contents[-1]
    assert last["status"] == "done" and last["note"] == "all good" and last["running"] is False
    seqs = [content["seq"] for content in capture.contents]
    assert seqs == list(range(len(seqs)))


def test_logging_never_waits_for_the_browser(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    view = LiveDashboard(live, interval=0.05)
    gate = threading.Event()
    sent: list[float] = []

    def slow_send(content: dict[str, Any], buffers: list[bytes]) -> None:
        gate.wait(2)  # a browser that does not keep up
        sent.append(time.monotonic())

    view.send = slow_send  # type: ignore[method-assign]
    view.pump.start()
    started = time.monotonic()
    for step in range(2000):
        live.log_metric("loss", step)
        live.next_step()
    assert time.monotonic() - started < 1.5
    gate.set()
    live.end()
    view.finish()
    assert sent


def test_nothing_new_sends_nothing(dashboard: tuple[Live, LiveDashboard, Capture]) -> None:
    live, view, capture = dashboard
    live.log_metric("loss", 1.0)
    live.next_step()
    assert view.flush() is True
    assert view.flush() is False
    assert view.flush() is False
    assert len(capture.messages) == 1


def test_messages_carry_params_latest_values_and_the_step(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    live.log_params({"lr": 0.5, "layers": [64, 32], "opt": {"name": "adam"}})
    live.log_metric("train/loss", 0.5)
    live.log_metric("note", "text values are shown, not charted")
    live.log_metric("hidden", 3, plot=False)
    live.next_step()
    view.flush()
    (content,) = capture.contents
    assert content["params"] == [["lr", 0.5], ["layers", "[64, 32]"], ["opt", '{"name": "adam"}']]
    assert content["latest"] == {
        "train/loss": 0.5,
        "note": "text values are shown, not charted",
        "hidden": 3,
    }
    assert content["step"] == 1
    assert content["title"] == "%%live test" and content["status"] == "running"
    assert {entry["name"] for entry in content["series"]} == {"train/loss", "note"}
    live.log_metric("train/loss", 0.25)
    live.next_step()
    view.flush()
    second = capture.contents[-1]
    assert second["latest"] == {"train/loss": 0.25}  # only what changed
    assert "params" not in second and "title" not in second
    assert second["step"] == 2


def test_timestamped_metrics_and_partial_rows(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    live.log_metric("sys/cpu", 12.5, timestamp=True)
    live.next_step()
    path = Path("dvclive/plots/metrics/sys/cpu.tsv")
    with path.open("a") as file:  # a row being written when the pump reads
        file.write("1700000000000\t1\t1")
    view.flush()
    (entry,) = capture.contents[0]["series"]
    assert entry["ts"] is True
    assert capture.rows("sys/cpu") == [(0, 12.5)]
    with path.open("a") as file:
        file.write("3.5\n")
    view.flush()
    assert capture.rows("sys/cpu") == [(0, 12.5), (1, 13.5)]


def test_images_are_sent_once_per_version(dashboard: tuple[Live, LiveDashboard, Capture]) -> None:
    live, view, capture = dashboard
    pixels = np.zeros((4, 4, 3), dtype=np.uint8)
    for step in range(3):
        live.log_image(f"samples/{step}.png", pixels + step)
        live.next_step()
    live.log_image("confusion.png", pixels)
    view.flush()
    images = capture.contents[0]["images"]
    assert [image["name"] for image in images] == [
        "samples/0.png",
        "samples/1.png",
        "samples/2.png",
        "confusion.png",
    ]
    buffers = capture.messages[0][2]
    assert all(buffers[image["buffer"]].startswith(b"\x89PNG") for image in images)
    assert {image["mime"] for image in images} == {"image/png"}
    time.sleep(0.01)
    live.log_image("confusion.png", pixels + 9)  # logged again: sent again
    live.log_metric("m", 1)
    view.flush()
    assert [image["name"] for image in capture.contents[-1]["images"]] == ["confusion.png"]


def test_custom_and_sklearn_plots_are_sent_with_their_config(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    live.log_plot("curve", [{"x": 1, "y": 2}, {"x": 2, "y": 3}], x="x", y="y", title=XSS)
    live.log_sklearn_plot("roc", [0, 1, 1, 0], [0.1, 0.8, 0.7, 0.3])
    live.log_sklearn_plot("confusion_matrix", [0, 1, 1], [0, 1, 0], normalized=True)
    view.flush()
    (content,) = capture.contents
    buffers = capture.messages[0][2]
    plots = {plot["name"]: plot for plot in content["plots"]}
    assert plots["curve"]["kind"] == "custom"
    assert plots["curve"]["config"] == {"template": "linear", "x": "x", "y": "y", "title": XSS}
    assert json.loads(buffers[plots["curve"]["buffer"]]) == [{"x": 1, "y": 2}, {"x": 2, "y": 3}]
    assert plots["roc"]["kind"] == "sklearn" and plots["roc"]["sklearn"] == "roc"
    assert plots["roc"]["config"]["x"] == "fpr"
    assert "roc" in json.loads(buffers[plots["roc"]["buffer"]])
    assert plots["confusion_matrix"]["config"]["template"] == "confusion_normalized"
    assert len(json.loads(buffers[plots["confusion_matrix"]["buffer"]])) == 3


def test_a_replay_holds_everything_sent_so_far(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    live.log_param("lr", 0.1)
    for step in range(5):
        live.log_metric("loss", step)
        live.next_step()
        view.flush()
    live.log_image("a.png", np.zeros((2, 2), dtype=np.uint8))
    view._on_frontend_message(view, {"type": "hello"}, [])
    replay = capture.contents[-1]
    assert replay["reset"] is True
    assert replay["seq"] == capture.contents[-2]["seq"]  # a browser holding it all ignores it
    assert capture.rows("loss") == [(i, float(i)) for i in range(5)]
    assert replay["params"] == [["lr", 0.1]]
    assert [image["name"] for image in replay["images"]] == ["a.png"]


def test_status_changes_are_sent_without_new_data(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, capture = dashboard
    live.log_metric("loss", 1)
    view.flush()
    live.end()
    view.finish("interrupted", f"Not saved: {XSS}")
    last = capture.contents[-1]
    assert (last["status"], last["note"], last["running"]) == (
        "interrupted",
        f"Not saved: {XSS}",
        False,
    )
    assert view.status == "interrupted"
    assert view.state().status == "interrupted"


def test_the_pump_stops_when_the_live_object_is_gone(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    reader = LiveReader(live)
    pump = Pump(reader, lambda content, buffers: None, interval=0.01)
    pump.start()
    del live
    deadline = time.monotonic() + 2
    while pump.running and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not pump.running


def test_a_failing_send_warns_once_and_logging_goes_on(tmp_dir: Path) -> None:
    live = Live(save_dvc_exp=False)
    reader = LiveReader(live)

    def broken(content: dict[str, Any], buffers: list[bytes]) -> None:
        raise ConnectionError("comm closed")

    pump = Pump(reader, broken)
    live.log_metric("loss", 1)
    with pytest.warns(LiveNbWarning, match="could not update"):
        assert pump.flush() is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        live.log_metric("loss", 2)
        assert pump.flush() is False


# ---- the static fallback ------------------------------------------------------------------


def test_the_bundle_carries_the_widget_the_vegalite_charts_and_the_summary(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    live.log_param("lr", 0.5)
    for step in range(1500):
        live.log_metric("train/loss", 1 / (step + 1))
        live.log_metric("eval/loss", 2 / (step + 1))
        live.log_metric("lr", 0.1)
        live.next_step()
    live.end()
    view.finish("done", "Saved experiment neat-run (abc1234)")

    data, _ = view._repr_mimebundle_()
    assert WIDGET_MIME in data
    assert data[WIDGET_MIME]["model_id"] == view.model_id
    assert "text/html" not in data  # it would outrank the Vega-Lite charts in JupyterLab
    spec = data[vegalite.VEGALITE_MIME]
    json.dumps(spec, allow_nan=False)  # valid JSON for the notebook file
    assert spec["$schema"].endswith("/v5.json")
    assert [row["title"]["text"] for row in spec["vconcat"]] == ["metrics", "train", "eval"]
    charts = {chart["title"]["text"]: chart for row in spec["vconcat"] for chart in row["concat"]}
    loss = charts["train/loss = 0.000666667"]["data"]["values"][0]
    # downsampled as live (bucket min/max), to what draws at once: first and last points kept
    assert len(loss["step"]) <= run_state.STATIC_MAX_POINTS
    assert loss["step"][0] == 0 and loss["step"][-1] == 1499
    assert loss["value"][0] == 1.0 and loss["value"][-1] == 1 / 1500
    assert spec["title"]["subtitle"][:2] == [
        "Saved experiment neat-run (abc1234)",
        "params: lr=0.5",
    ]
    text = data["text/plain"]
    # steps 0 to 1499 were logged: "1500 steps", not "step 1500" (the next step)
    assert text.splitlines()[0] == "%%live test · done · 1500 steps · 0:00"
    assert "  train/loss = 0.000666667" in text and "  params: lr=0.5" in text
    assert text.splitlines()[-1] == "Saved experiment neat-run (abc1234)"
    assert data[svg.SVG_MIME].startswith("<svg ")
    assert data[svg.SVG_MIME].count("<polyline") == 3


def test_shown_while_running_the_bundle_keeps_a_saved_copy_for_a_kernel_that_dies(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    """A notebook saved mid-run, reopened after the kernel died: a note, not "model not found"."""
    from live_nb.widgets.base import FALLBACK_MIME

    live, view, _ = dashboard
    live.log_metric("loss", 1.0)
    live.next_step()
    data, _ = view._repr_mimebundle_()
    assert data[FALLBACK_MIME] == {"mime": "text/html"}
    assert "had not ended when this notebook was saved" in data["text/html"]
    assert f"<code>{live.dir}</code>" in data["text/html"]
    live.end()
    view.finish("done", "")
    data, _ = view._repr_mimebundle_()
    assert FALLBACK_MIME not in data and "text/html" not in data


JS_DIR = Path(__file__).resolve().parents[1] / "js"


def compile_vegalite(spec: dict[str, Any]) -> dict[str, Any]:
    """The Vega spec Vega-Lite (js/node_modules) compiles ``spec`` to, as JupyterLab would."""
    node = shutil.which("node")
    if node is None or not (JS_DIR / "node_modules" / "vega-lite").is_dir():
        pytest.skip("compiling Vega-Lite needs node and js/node_modules (npm ci in js/)")
    script = (
        "import {compile} from 'vega-lite'; let text = '';"
        "process.stdin.on('data', (chunk) => { text += chunk; });"
        "process.stdin.on('end', () => process.stdout.write("
        "JSON.stringify(compile(JSON.parse(text)).spec)));"
    )
    result = subprocess.run(
        [node, "--input-type=module", "-e", script],
        input=json.dumps(spec),
        cwd=JS_DIR,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    compiled: dict[str, Any] = json.loads(result.stdout)
    return compiled


def legends_by_group(vega: dict[str, Any], path: str = "") -> dict[str, list[dict[str, Any]]]:
    """Every ``legends`` list of a compiled Vega spec, by the names of the groups holding it."""
    found = {path: vega["legends"]} if vega.get("legends") else {}
    for mark in vega.get("marks", []):
        if mark.get("type") == "group":
            found.update(legends_by_group(mark, f"{path}/{mark.get('name', '')}"))
    return found


def png(width: int, height: int, value: int = 0) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("L", (width, height), value).save(out, format="PNG")
    return out.getvalue()


def test_the_final_charts_keep_the_live_colours_and_each_legend_by_its_chart(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    for step in range(3):
        for name in ("train/loss", "train/acc", "eval/loss", "eval/acc"):
            live.log_metric(name, step / 10)
        live.next_step()
    live.log_sklearn_plot("roc", [0, 1, 1, 0, 1], [0.1, 0.9, 0.4, 0.3, 0.8])
    live.log_sklearn_plot("confusion_matrix", [0, 1, 1, 0, 1], [0, 1, 0, 0, 1])
    live.end()
    view.finish()
    spec = view.static_bundle()[vegalite.VEGALITE_MIME]

    # the colours the live view gives these metrics (js/test/dashboard.logic.test.js pins them)
    pinned = {
        "train/loss": "#4c78a8",
        "train/acc": "#9d755d",
        "eval/loss": "#e45756",
        "eval/acc": "#54a24b",
        "loss": "#938883",
        "é/ü 🙂": "#e45756",
        "a" * 200: "#9d755d",
    }
    assert {name: theme.color_for(name) for name in pinned} == pinned
    charts = [chart for row in spec["vconcat"] for chart in row["concat"]]
    metric_colours = {
        chart["title"]["text"].split(" = ")[0]: chart["mark"].get("color")
        for chart in charts
        if chart.get("transform") == [{"flatten": ["step", "value"]}]
    }
    assert metric_colours == {name: pinned[name] for name in metric_colours}
    assert len(set(metric_colours.values())) == 4  # not one colour for all

    # colour scales and legends stay with their charts (a shared one floats at the top right)
    independent = {"scale": {"color": "independent"}, "legend": {"color": "independent"}}
    assert spec["resolve"] == independent
    assert all(row["resolve"] == independent for row in spec["vconcat"])
    legends = legends_by_group(compile_vegalite(spec))
    assert "" not in legends, "the confusion matrix's legend is at the top right of everything"
    (where,) = legends  # the confusion matrix's counts, inside its chart (not a whole row)
    assert where.count("/") == 2, where


def test_the_final_chart_shows_the_latest_image_of_each_name(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    for step in range(3):
        live.log_image(f"samples/{step}.png", np.full((20, 40), step * 50, dtype=np.uint8))
        live.log_metric("loss", 1 / (step + 1))
        live.next_step()
    live.log_image("surface.png", np.zeros((700, 350), dtype=np.uint8))
    live.end()
    view.finish()
    bundle = view.static_bundle()
    spec = bundle[vegalite.VEGALITE_MIME]
    # the labextension draws that spec at the notebook's width (js/lab/src/final.js)
    assert bundle["application/vnd.live-nb.charts+json"] == {"spec": vegalite.VEGALITE_MIME}

    (images,) = [row for row in spec["vconcat"] if row["title"]["text"] == "images"]
    samples, surface = images["concat"]
    assert samples["mark"]["type"] == "image"
    assert samples["title"]["subtitle"] == "steps 0 to 2: the slider below"
    url = samples["data"]["values"][-1]["url"]
    assert url.startswith("data:image/png;base64,")
    latest = (Path(live.plots_dir) / "images" / "samples" / "2.png").read_bytes()
    assert base64.b64decode(url.split(",", 1)[1]) == latest
    assert (samples["width"], samples["height"]) == (40, 20)  # its own size
    assert (surface["width"], surface["height"]) == (160, 320)  # scaled down to 320 px
    assert surface["title"]["text"] == "surface.png" and "subtitle" not in surface["title"]
    compile_vegalite(spec)  # a valid spec
    assert "images: 4" in bundle["text/plain"]


def test_images_beyond_the_output_budget_are_left_out_and_counted(
    dashboard: tuple[Live, LiveDashboard, Capture], monkeypatch: pytest.MonkeyPatch
) -> None:
    live, view, _ = dashboard
    live.log_image("small.png", np.zeros((4, 4), dtype=np.uint8))
    noise = np.random.default_rng(0).integers(0, 255, (64, 64), dtype=np.uint8)
    live.log_image("big.png", noise)
    live.log_image("big2.png", noise)
    big = (Path(live.plots_dir) / "images" / "big.png").stat().st_size
    monkeypatch.setattr(run_state, "STATIC_IMAGE_BYTES", big + 500)
    live.end()
    view.finish()
    state = view.state()
    assert [picture.name for picture in state.pictures] == ["small.png", "big.png"]
    assert state.pictures_skipped == 1
    note = "1 image not shown: the output keeps at most "
    bundle = view.static_bundle()
    assert f"  images: 3 ({note}" in bundle["text/plain"]
    assert any(
        line.startswith(note) for line in bundle[vegalite.VEGALITE_MIME]["title"]["subtitle"]
    )
    assert render_text.pictures_note(run_state.DashboardState(pictures_skipped=2)).startswith(
        "2 images not shown"
    )
    sizes = sum(len(picture.data) for picture in state.pictures)
    assert sizes <= run_state.STATIC_IMAGE_BYTES


def test_image_sizes_are_read_from_png_gif_and_jpeg_headers() -> None:
    from PIL import Image

    for form in ("PNG", "GIF", "JPEG"):
        out = io.BytesIO()
        Image.new("RGB", (37, 23)).save(out, format=form)
        assert image_format.image_size(out.getvalue()) == (37, 23), form
    assert image_format.image_size(b"not an image") is None
    assert image_format.image_size(b"\xff\xd8\xff") is None


def test_long_series_keep_their_min_max_and_last_point_in_the_static_copy(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    values = [math.sin(step / 300) for step in range(20_000)]
    values[1234] = 7.0
    for value in values:
        live.log_metric("wave", value)
        live.next_step()
    live.end()
    view.finish()
    (series,) = view.state().series
    assert series.count == 20_000
    assert len(series.values) <= theme.DISPLAY_MAX_POINTS
    assert max(series.values) == 7.0 and min(series.values) == min(values)
    assert series.steps[-1] == 19_999 and series.values[-1] == values[-1]
    final = view.static_bundle()[vegalite.VEGALITE_MIME]
    (chart,) = [chart for row in final["vconcat"] for chart in row["concat"]]
    assert chart["data"]["values"][0]["value"] == series.values


def test_downsampling_matches_the_browser_s_rules() -> None:
    values = [float(i % 97) for i in range(100_000)]
    kept = downsample.downsample_indices(values, 2000)
    assert len(kept) <= 2000
    assert kept == sorted(set(kept))
    assert kept[-1] == 99_999
    bucket = downsample.bucket_size_for(100_000, 2000)
    assert bucket == 128  # as js/src/dashboard/downsample.js
    for start in range(0, 100_000, bucket):
        chunk = values[start : start + bucket]
        assert start + chunk.index(min(chunk)) in kept
        assert start + chunk.index(max(chunk)) in kept
    assert downsample.downsample_indices([1.0, 2.0], 2000) == [0, 1]


def test_user_text_is_escaped_in_the_html_and_svg_copies(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    live.log_param(XSS, XSS)
    live.log_metric(XSS, 1.0)
    live.log_metric(f"eval/{XSS}", 2.0)
    live.log_plot("p", [{"x": 1, XSS: 2}], x="x", y=XSS, title=XSS)
    live.next_step()
    live.end()
    view.finish("done", f"Saved experiment {XSS} (abc)")
    for markup in (view.html(), view._repr_mimebundle_()[0][svg.SVG_MIME]):
        assert XSS not in markup
        assert "<img" not in markup
        assert "&lt;img src=x onerror=alert(1)&gt;" in markup
    assert XSS in view.text()  # plain text is shown as text


def test_nested_names_are_grouped_by_prefix() -> None:
    names = ["train/loss", "eval/loss", "lr", "train/acc", "system/cpu/usage"]
    assert vegalite.groups(names) == [
        ("", ["lr"]),
        ("train", ["train/loss", "train/acc"]),
        ("eval", ["eval/loss"]),
        ("system/cpu", ["system/cpu/usage"]),
    ]
    summary = {"train": {"loss": 0.1, "acc": float("nan")}, "step": 3, "lr": 0.01}
    assert flatten_summary(summary) == {"train/loss": 0.1, "train/acc": "nan", "lr": 0.01}
    assert json_safe(float("inf")) == "inf" and json_safe({"a": [1]}) == '{"a": [1]}'


def test_plots_with_infinite_thresholds_stay_valid_json(
    dashboard: tuple[Live, LiveDashboard, Capture],
) -> None:
    live, view, _ = dashboard
    live.log_sklearn_plot("roc", [0, 1, 1, 0], [0.1, 0.8, 0.7, 0.3])
    live.end()
    view.finish()
    json.dumps(snapshot_message(view.state(), {}), allow_nan=False)
    json.dumps(view._repr_mimebundle_()[0][vegalite.VEGALITE_MIME], allow_nan=False)


def test_report_notebook_outside_a_notebook_warns_and_goes_on(tmp_dir: Path) -> None:
    with pytest.warns(LiveNbWarning, match="only inside a Jupyter notebook"):
        live = Live(report="notebook", save_dvc_exp=False)
    assert live._report is None  # no dashboard
    live.log_metric("m", 1)
    live.next_step()
    live.end()
    assert live.report_file is None


# ---- in a real kernel ---------------------------------------------------------------------


def iopub_messages(kernel: Kernel, msg_id: str, timeout: float = 120) -> list[dict[str, Any]]:
    """Every IOPub message of one execution, with the time it arrived."""
    messages = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = kernel.client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if message["parent_header"].get("msg_id") != msg_id:
            continue
        message["arrived"] = time.monotonic()
        messages.append(message)
        if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
            return messages
    raise TimeoutError(f"no idle status within {timeout}s")


LIVE_CELL = f"""%%live streamed --param lr=0.5
import time
for step in range(30):
    live.log_metric("train/loss", lr / (step + 1))
    live.log_metric({XSS!r}, step)
    live.next_step()
    time.sleep(0.05)
"""


@pytest.mark.slow
def test_a_live_cell_streams_to_the_browser_while_it_runs(kernel: Kernel) -> None:
    messages = iopub_messages(kernel, kernel.submit(LIVE_CELL))
    kinds = [message["msg_type"] for message in messages]

    opened = [m for m in messages if m["msg_type"] == "comm_open"]
    (dashboard_open,) = [
        m for m in opened if m["content"]["data"]["state"].get("view") == "dashboard"
    ]
    comm_id = dashboard_open["content"]["comm_id"]
    displayed = messages[kinds.index("display_data")]["content"]
    assert displayed["data"][WIDGET_MIME]["model_id"] == comm_id
    assert vegalite.VEGALITE_MIME in displayed["data"] and svg.SVG_MIME in displayed["data"]
    # the title names the cell by its execution count ([1] was %load_ext), then the name
    assert "%%live [2] streamed · running" in displayed["data"]["text/plain"]

    custom = [
        m
        for m in messages
        if m["msg_type"] == "comm_msg"
        and m["content"]["comm_id"] == comm_id
        and m["content"]["data"].get("method") == "custom"
    ]
    (update,) = [m for m in messages if m["msg_type"] == "update_display_data"]
    during = [m for m in custom if m["arrived"] < update["arrived"] - 0.2]
    assert len(during) >= 5  # streamed while the cell ran, not all at its end
    span = custom[-1]["arrived"] - custom[0]["arrived"]
    assert len(custom) <= 10 * span + 3
    rows = []
    for message in custom:
        content = message["content"]["data"]["content"]
        for entry in content.get("series", []):
            if entry["name"] == "train/loss":
                rows += metrics.parse_rows(bytes(message["buffers"][entry["buffer"]]))[1]
    assert rows == [0.5 / (step + 1) for step in range(30)]

    final = update["content"]
    assert final["transient"]["display_id"] == displayed["transient"]["display_id"]
    assert WIDGET_MIME not in final["data"]  # static, so a reopened notebook shows the charts
    text = final["data"]["text/plain"]
    assert text.startswith("%%live [2] streamed · done · 30 steps · ")
    assert "Saved experiment streamed (" in text
    spec = final["data"][vegalite.VEGALITE_MIME]
    charts = [chart for row in spec["vconcat"] for chart in row["concat"]]
    loss = next(c for c in charts if c["title"]["text"].startswith("train/loss"))
    assert loss["data"]["values"][0]["value"] == [0.5 / (step + 1) for step in range(30)]
    assert XSS not in final["data"][svg.SVG_MIME]
    # what nbclient saves of the model: its last state, where the bundle gave way to a stub
    saved: dict[str, Any] = {}
    for message in messages:
        data = message["content"].get("data", {})
        if (
            message["msg_type"] in ("comm_open", "comm_msg")
            and message["content"].get("comm_id") == comm_id
        ):
            saved.update(data.get("state", {}))
    assert len(json.dumps(saved)) < 4096 and "snapshot" not in saved, sorted(saved)
    stub = next(
        i
        for i, m in enumerate(messages)
        if "_esm" in m["content"].get("data", {}).get("state", {}) and m["msg_type"] == "comm_msg"
    )
    assert stub > messages.index(update)  # the final output first, then the stub


@pytest.mark.slow
def test_a_failing_cell_ends_its_dashboard_as_error(kernel: Kernel) -> None:
    outputs = kernel.run("%%live\nlive.log_metric('loss', 1.0)\nlive.next_step()\n1 / 0")
    (update,) = [o for o in outputs if o["output_type"] == "update_display_data"]
    assert update["data"]["text/plain"].split(" · ")[1] == "error"
    assert "ZeroDivisionError" in text_of(outputs)


@pytest.mark.slow
def test_report_notebook_shows_the_dashboard_in_a_kernel(kernel: Kernel, git_repo: Path) -> None:
    outputs = kernel.run(
        "from live_nb import Live\n"
        "with Live(report='notebook', exp_name='reported') as live:\n"
        "    for step in range(3):\n"
        "        live.log_metric('loss', 1 / (step + 1))\n"
        "        live.next_step()\n"
    )
    (shown,) = [o for o in outputs if o["output_type"] == "display_data"]
    assert WIDGET_MIME in shown["data"] and vegalite.VEGALITE_MIME in shown["data"]
    (update,) = [o for o in outputs if o["output_type"] == "update_display_data"]
    text = update["data"]["text/plain"]
    assert " · done · 3 steps · " in text
    assert "Saved experiment reported (" in text


def test_bar_plots_follow_dvcs_template_axes() -> None:
    plot = run_state.Plot(
        name="bars",
        kind="custom",
        sklearn=None,
        config={"template": "bar_horizontal", "x": "v", "y": "k"},
        records=[{"k": "a", "v": 2}, {"k": "b", "v": 1}],
    )
    encoding = vegalite.plot_spec(plot.name, plot.config, plot.records)["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["type"]) == ("v", "quantitative")
    assert (encoding["y"]["field"], encoding["y"]["type"]) == ("k", "nominal")


EXPORT_CELL = """%%live --no-save
import numpy as np
for step in range(3):
    live.log_metric("train/loss", 1 / (step + 1))
    live.log_image(f"samples/{step}.png", np.full((8, 8, 3), 80 * step, dtype="uint8"))
    live.next_step()
live.log_sklearn_plot("roc", [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
"""


@pytest.mark.slow
def test_an_nbconvert_html_export_shows_the_final_charts_and_images(tmp_dir: Path) -> None:
    import base64
    import re

    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(c) for c in ("%load_ext live_nb", EXPORT_CELL)]
    NotebookClient(notebook, timeout=120, resources={"metadata": {"path": str(tmp_dir)}}).execute()
    html, _ = HTMLExporter().from_notebook_node(notebook)
    # nbconvert picks the SVG (it has no Vega-Lite renderer), as an <img>: no script needed
    (encoded,) = re.findall(r'<img [^>]*src="data:image/svg\+xml;base64,([^"]+)"', html)
    shown = base64.b64decode(encoded).decode("utf-8")
    assert "live-nb-static-svg" in shown
    assert re.search(r'<image [^>]*href="data:image/png;base64,', shown), "no logged image"
    assert "samples (step 2)" in shown and "AUC = 0.750" in shown
    assert "Error displaying widget" not in html
    saved = json.dumps(notebook.metadata.get("widgets", {}))
    assert len(saved) < 10_000, "the widget bundle is saved with the notebook"
