// @vitest-environment jsdom
// The stream logic: messages -> store -> Vega changesets on real Vega views.
import * as vega from "vega";
import { compile } from "vega-lite";
import vegaEmbed from "vega-embed";
import { describe, expect, it } from "vitest";
import { DashboardStore } from "../src/dashboard/store.js";
import { MetricChart, PlotChart, embedOptions, toChangeset } from "../src/dashboard/charts.js";
import { METRIC_SPEC, TITLED_METRIC_SPEC, plotSpecFor } from "./support/specs.js";

const XSS = "<img src=x onerror=alert(1)>";
const encoder = new TextEncoder();

/** Bytes as ipywidgets hands them to a custom-message handler: DataViews. */
function buffer(text) {
  const bytes = encoder.encode(text);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function rows(from, to, f = (i) => 1 / (i + 1)) {
  let text = "";
  for (let i = from; i < to; i++) text += `${i}\t${f(i)}\n`;
  return text;
}

/** A headless Vega view for a Vega-Lite spec (what vega-embed makes, without a renderer). */
async function embedNone(_el, spec) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  await view.runAsync();
  return view;
}

function newStore() {
  let made = 0;
  const released = [];
  const store = new DashboardStore({
    createUrl: (bytes, mime) => `blob:${mime}:${bytes.byteLength}:${made++}`,
    releaseUrl: (url) => released.push(url),
  });
  return { store, released };
}

describe("DashboardStore", () => {
  it("appends each message's rows to its series", () => {
    const { store } = newStore();
    store.apply(
      { type: "update", seq: 0, series: [{ name: "train/loss", ts: false, buffer: 0 }], step: 3 },
      [buffer(rows(0, 3))],
    );
    store.apply(
      {
        type: "update",
        seq: 1,
        series: [
          { name: "train/loss", ts: false, buffer: 0 },
          { name: "system/cpu", ts: true, buffer: 1 },
        ],
      },
      [buffer(rows(3, 5)), buffer("1700000000000\t0\t12.5\n")],
    );
    const loss = store.state.series.get("train/loss").data;
    expect(loss.n).toBe(5);
    expect([...loss.xs.subarray(0, 5)]).toEqual([0, 1, 2, 3, 4]);
    expect(store.state.series.get("system/cpu").data.ys[0]).toBe(12.5);
    expect(store.state.step).toBe(3);
  });

  it("ignores a message seen already and a replay it holds everything of", () => {
    const { store } = newStore();
    const message = { type: "update", seq: 0, series: [{ name: "m", buffer: 0 }] };
    store.apply(message, [buffer(rows(0, 2))]);
    expect(store.apply(message, [buffer(rows(0, 2))])).toBeNull();
    expect(store.apply({ ...message, reset: true }, [buffer(rows(0, 2))])).toBeNull();
    expect(store.state.series.get("m").data.n).toBe(2);
  });

  it("a store that missed messages takes the replay that fills the gap", () => {
    const { store } = newStore();
    store.apply({ type: "update", seq: 3, series: [{ name: "m", buffer: 0 }] }, [buffer(rows(6, 8))]);
    expect(store.incomplete).toBe(true);
    store.apply({ type: "update", seq: 3, reset: true, series: [{ name: "m", buffer: 0 }] }, [buffer(rows(0, 8))]);
    expect(store.incomplete).toBe(false);
    expect(store.state.series.get("m").data.n).toBe(8);
    expect(store.apply({ type: "update", seq: 3, reset: true }, [])).toBeNull();
  });

  it("a reset (a replay, or the final snapshot) replaces everything", () => {
    const { store, released } = newStore();
    store.apply({ type: "update", seq: 0, series: [{ name: "a", buffer: 0 }], images: [{ name: "i.png", mime: "image/png", buffer: 1 }] }, [
      buffer(rows(0, 2)),
      buffer("PNG"),
    ]);
    store.apply({ type: "update", seq: 4, reset: true, status: "done", running: false, series: [{ name: "b", steps: [0, 1], values: [2, 3] }] });
    expect([...store.state.series.keys()]).toEqual(["b"]);
    expect(store.state.status).toBe("done");
    expect(released).toHaveLength(1);
    expect(store.elapsedNow()).toBe(store.state.elapsed);
  });

  it("keeps params, latest values, images and plots", () => {
    const { store, released } = newStore();
    const changes = [];
    store.subscribe((change) => changes.push(change));
    store.apply(
      {
        type: "update",
        seq: 0,
        params: [["lr", 0.1], [XSS, "x"]],
        latest: { "train/loss": 0.5, note: "text" },
        images: [
          { name: "samples/0.png", mime: "image/png", buffer: 0 },
          { name: "cm.png", mime: "image/png", buffer: 1 },
        ],
        plots: [{ name: "roc", kind: "sklearn", config: { template: "simple", x: "fpr", y: "tpr" }, buffer: 2 }],
      },
      [buffer("a"), buffer("bb"), buffer(JSON.stringify({ roc: [{ fpr: 0, tpr: 0 }, { fpr: 1, tpr: 1 }] }))],
    );
    store.apply({ type: "update", seq: 1, images: [{ name: "cm.png", mime: "image/png", buffer: 0 }] }, [buffer("ccc")]);
    expect(store.state.params).toEqual([["lr", 0.1], [XSS, "x"]]);
    expect(store.state.latest.get("note")).toBe("text");
    expect(store.images.current("samples").url).toMatch(/^blob:image\/png:1:/);
    expect(store.images.current("cm.png").url).toMatch(/^blob:image\/png:3:/);
    expect(released).toEqual(["blob:image/png:2:1"]);
    expect(store.state.plots.get("roc").data.roc).toHaveLength(2);
    expect([...changes[0].images]).toEqual(["samples", "cm.png"]);
    expect([...changes[1].images]).toEqual(["cm.png"]);
  });
});

describe("MetricChart on a real Vega view", () => {
  it("appends points with changesets and never holds more than the display limit", async () => {
    const { store } = newStore();
    const el = document.createElement("div");
    store.apply({ type: "update", seq: 0, series: [{ name: "loss", buffer: 0 }] }, [buffer(rows(0, 10))]);
    const series = store.state.series.get("loss").data;
    const chart = new MetricChart({ el, spec: METRIC_SPEC, series, embed: embedNone, vega, maxPoints: 500, schedule: (f) => f() });
    await chart.ready;
    expect(chart.view.data("points")).toHaveLength(10);
    expect(el.dataset.points).toBe("10");
    const viewBefore = chart.view;
    for (let seq = 1, next = 10; next < 100_000; seq++) {
      const end = Math.min(100_000, next + 4999);
      store.apply({ type: "update", seq, series: [{ name: "loss", buffer: 0 }] }, [buffer(rows(next, end, (i) => Math.sin(i / 500)))]);
      await chart.flush();
      expect(chart.view.data("points").length).toBeLessThanOrEqual(500);
      next = end;
    }
    expect(chart.view).toBe(viewBefore); // the same view all along: no re-render
    expect(el.dataset.points).toBe("100000");
    const shown = chart.view.data("points");
    expect(el.dataset.shown).toBe(String(shown.length));
    expect(Math.max(...shown.map((d) => d.value))).toBeCloseTo(1, 5);
    expect(Math.min(...shown.map((d) => d.value))).toBeCloseTo(-1, 5);
    expect(Math.max(...shown.map((d) => d.step))).toBe(99_999); // the last point is always drawn
  });

  it("toChangeset removes only the open bucket", async () => {
    const view = await embedNone(null, METRIC_SPEC);
    view.change("points", toChangeset(vega, { reset: true, insert: [{ step: 0, value: 1, _b: 0 }, { step: 1, value: 2, _b: 1 }] }));
    await view.runAsync();
    view.change("points", toChangeset(vega, { reset: false, removeFrom: 1, insert: [{ step: 1, value: 3, _b: 1 }] }));
    await view.runAsync();
    expect(view.data("points").map((d) => [d.step, d.value])).toEqual([
      [0, 1],
      [1, 3],
    ]);
  });

  it("draws plots and replaces their records", async () => {
    const el = document.createElement("div");
    const chart = new PlotChart({ el, spec: plotSpecFor({ template: "confusion", x: "actual", y: "predicted" }), embed: embedNone, vega });
    chart.setData([{ actual: 0, predicted: 0 }, { actual: 0, predicted: 1 }, { actual: 1, predicted: 1 }]);
    await chart.ready;
    expect(chart.view.data("table")).toHaveLength(3);
    await chart.setData([{ actual: 1, predicted: 1 }]);
    expect(chart.view.data("table")).toHaveLength(1);
    expect(el.dataset.points).toBe("1");
  });
});

describe("vega-embed", () => {
  it("draws a metric chart offline, with user names as SVG text", async () => {
    const el = document.createElement("div");
    document.body.appendChild(el);
    const result = await vegaEmbed(el, TITLED_METRIC_SPEC, { ...embedOptions(), renderer: "svg" });
    result.view.change("points", vega.changeset().insert([{ step: 0, value: 1, _b: 0 }]));
    await result.view.runAsync();
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toContain(XSS);
    expect(el.querySelector(".vega-actions")).toBeNull();
    result.finalize();
  });

  it("refuses to load anything over the network", async () => {
    const { loader } = embedOptions();
    await expect(loader.load("https://cdn.example/x.json")).rejects.toThrow(/no external data/);
  });
});

describe("themes", () => {
  it("uses Vega's dark theme under JupyterLab's dark themes", () => {
    expect(embedOptions().theme).toBeUndefined();
    document.body.dataset.jpThemeLight = "false";
    expect(embedOptions().theme).toBe("dark");
    delete document.body.dataset.jpThemeLight;
  });
});

describe("layout", () => {
  it("makes room for the axes once data arrives (Vega's pad autosize)", async () => {
    const { store } = newStore();
    const el = document.createElement("div");
    const chart = new MetricChart({ el, spec: METRIC_SPEC, series: new (await import("../src/dashboard/series.js")).SeriesData(), embed: embedNone, vega, schedule: (f) => f() });
    await chart.ready;
    const empty = chart.view.origin()[0];
    for (let i = 0; i < 50; i++) chart.series.push(i * 1000, 1000 + i);
    await chart.flush();
    expect(chart.view.origin()[0]).toBeGreaterThan(empty);
    store.dispose();
  });
});
