// @vitest-environment jsdom
// The dashboard's DOM: hooks for tests and tools, grouping, images, plots, and
// user text shown as text only.
import * as vega from "vega";
import { compile } from "vega-lite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DashboardStore } from "../src/dashboard/store.js";
import { createDashboardView } from "../src/dashboard/view.js";
import dashboard from "../src/dashboard/index.js";
import { FakeModel } from "./support/model.js";
import { withSpecs } from "./support/specs.js";

const XSS = "<img src=x onerror=alert(1)>";
const encoder = new TextEncoder();
const buffer = (text) => new DataView(encoder.encode(text).buffer);

async function embedNone(_el, spec) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  await view.runAsync();
  return view;
}

function setup() {
  const store = new DashboardStore({ createUrl: (bytes, mime) => `blob:${mime}/${bytes.byteLength}`, releaseUrl: () => {} });
  const apply = store.apply.bind(store);
  store.apply = (message, buffers) => apply(withSpecs(message), buffers); // as Python sends them
  const el = document.createElement("div");
  document.body.appendChild(el);
  const view = createDashboardView({ el, store, embed: embedNone, vega, schedule: (f) => f(), tick: 0 });
  return { store, el, view };
}

async function settle(view) {
  await Promise.all([...view.charts.values()].map(({ chart }) => chart.ready));
  await Promise.all([...view.plots.values()].map(({ chart }) => chart.ready));
  for (const { chart } of view.charts.values()) await chart.flush();
  for (const { chart } of view.plots.values()) await chart.view?.runAsync();
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("dashboard view", () => {
  it("groups charts by prefix and counts their points", async () => {
    const { store, el, view } = setup();
    store.apply(
      {
        type: "update",
        seq: 0,
        title: "%%live run",
        status: "running",
        step: 2,
        elapsed: 1.5,
        series: [
          { name: "train/loss", buffer: 0 },
          { name: "eval/loss", buffer: 1 },
          { name: "lr", buffer: 2 },
        ],
        latest: { "train/loss": 0.5, "eval/loss": 0.6, lr: 0.1 },
        params: [["epochs", 3]],
      },
      [buffer("0\t1\n1\t0.5\n"), buffer("0\t0.9\n1\t0.6\n"), buffer("0\t0.1\n")],
    );
    await settle(view);
    const root = el.querySelector(".live-nb-dashboard");
    expect(root.dataset.status).toBe("running");
    expect(root.dataset.step).toBe("2");
    expect([...el.querySelectorAll(".live-nb-group")].map((g) => g.dataset.group)).toEqual(["", "train", "eval"]);
    const train = el.querySelector('.live-nb-chart[data-metric="train/loss"]');
    expect(train.dataset.points).toBe("2");
    expect(train.closest(".live-nb-group").dataset.group).toBe("train");
    expect(train.querySelector(".live-nb-chart-value").textContent).toBe("0.5");
    expect(el.querySelector('.live-nb-params-table tr[data-param="epochs"]').textContent).toBe("epochs3");

    store.apply({ type: "update", seq: 1, series: [{ name: "train/loss", buffer: 0 }], step: 4 }, [buffer("2\t0.4\n3\t0.3\n")]);
    await settle(view);
    expect(train.dataset.points).toBe("4");
    expect(view.charts.get("train/loss").chart.view.data("points")).toHaveLength(4);
    expect(root.dataset.step).toBe("4");
    // steps 0 to 3 are done: the header counts them, as the x axes end at 3 (not "step 4")
    expect(el.querySelector(".live-nb-step").textContent).toBe("4 steps");
    expect(el.querySelector(".live-nb-header").textContent).not.toMatch(/step 4/);

    store.apply({ type: "update", seq: 2, status: "done", running: false, note: "Saved experiment run (abc1234)" });
    expect(root.dataset.status).toBe("done");
    expect(el.querySelector(".live-nb-status").textContent).toBe("done");
    expect(el.querySelector(".live-nb-note").textContent).toBe("Saved experiment run (abc1234)");
    view.dispose();
  });

  it("draws its charts again, with every point, when the theme switches", async () => {
    const { store, el, view } = setup();
    store.apply(
      { type: "update", seq: 0, series: [{ name: "loss", buffer: 0 }], latest: { loss: 0.5 } },
      [buffer("0\t1\n1\t0.5\n")],
    );
    await settle(view);
    const before = view.charts.get("loss").chart;
    document.body.dataset.jpThemeLight = "false";
    await new Promise((resolve) => setTimeout(resolve, 0)); // the mutation observer runs
    await settle(view);
    const after = view.charts.get("loss").chart;
    expect(after).not.toBe(before);
    expect(before.disposed).toBe(true);
    expect(after.view.data("points")).toHaveLength(2);
    expect(el.querySelectorAll('.live-nb-chart[data-metric="loss"]')).toHaveLength(1);
    delete document.body.dataset.jpThemeLight;
    view.dispose();
  });

  it("narrows a chart's plot to the width it is given", async () => {
    const { store, view } = setup();
    store.apply({ type: "update", seq: 0, series: [{ name: "loss", buffer: 0 }] }, [buffer("0\t1\n")]);
    await settle(view);
    const { chart } = view.charts.get("loss");
    expect(chart.view.width()).toBe(260);
    await chart.fit(150);
    expect(chart.view.width()).toBe(150);
    view.dispose();
  });

  it("shows every user string as text, never as markup", async () => {
    const { store, el, view } = setup();
    store.apply(
      {
        type: "update",
        seq: 0,
        title: XSS,
        note: `Saved experiment ${XSS} (abc)`,
        series: [{ name: XSS, buffer: 0 }, { name: `${XSS}/loss`, buffer: 1 }],
        latest: { [XSS]: XSS },
        params: [[XSS, XSS]],
        images: [{ name: `${XSS}.png`, mime: "image/png", buffer: 2 }],
        plots: [{ name: XSS, kind: "custom", config: { x: XSS, y: XSS, title: XSS }, buffer: 3 }],
      },
      [buffer("0\t1\n"), buffer("0\t2\n"), buffer("png"), buffer(JSON.stringify([{ [XSS]: 1 }]))],
    );
    await settle(view);
    // the only <img> is the dashboard's own image element, with a blob URL
    const images = el.querySelectorAll("img");
    expect(images).toHaveLength(1);
    expect(images[0].className).toBe("live-nb-img");
    expect(images[0].getAttribute("src")).toMatch(/^blob:/);
    expect(images[0].getAttribute("onerror")).toBeNull();
    expect(el.querySelector(".live-nb-title").textContent).toBe(XSS);
    expect(el.querySelector(".live-nb-chart-name").textContent).toBe(XSS);
    expect(el.querySelector(".live-nb-group-title").textContent).toBe(XSS);
    expect(el.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
    const metrics = [...el.querySelectorAll(".live-nb-chart")].map((chart) => chart.dataset.metric);
    expect(metrics).toContain(XSS);
    view.dispose();
  });

  it("shows the latest image per name and a slider for one image per step", async () => {
    const { store, el, view } = setup();
    const image = (name, size) => ({ name, mime: "image/png", buffer: 0, size });
    store.apply({ type: "update", seq: 0, images: [image("samples/0.png")] }, [buffer("a")]);
    store.apply({ type: "update", seq: 1, images: [image("samples/1.png")] }, [buffer("bb")]);
    store.apply({ type: "update", seq: 2, images: [image("cm.png")] }, [buffer("ccc")]);
    const samples = el.querySelector('.live-nb-image[data-image="samples"]');
    expect(samples.dataset.frames).toBe("2");
    const slider = samples.querySelector("input.live-nb-slider");
    expect(slider.max).toBe("1");
    expect(slider.value).toBe("1");
    expect(samples.querySelector("img").getAttribute("src")).toBe("blob:image/png/2");
    slider.value = "0";
    slider.dispatchEvent(new Event("input"));
    expect(samples.querySelector("img").getAttribute("src")).toBe("blob:image/png/1");
    expect(samples.querySelector(".live-nb-slider-step").textContent).toBe("step 0");
    store.apply({ type: "update", seq: 3, images: [image("samples/2.png")] }, [buffer("dddd")]);
    expect(samples.querySelector("img").getAttribute("src")).toBe("blob:image/png/1"); // stays where the user put it
    expect(samples.dataset.frames).toBe("3");
    const single = el.querySelector('.live-nb-image[data-image="cm.png"]');
    expect(single.querySelector("input")).toBeNull();
    view.dispose();
  });

  it("draws custom and sklearn plots when logged, and replaces them when logged again", async () => {
    const { store, el, view } = setup();
    const roc = { roc: [{ fpr: 0, tpr: 0, threshold: 1 }, { fpr: 0.5, tpr: 0.9, threshold: 0.5 }, { fpr: 1, tpr: 1, threshold: 0 }] };
    const cm = [{ actual: "0", predicted: "0" }, { actual: "1", predicted: "0" }];
    store.apply(
      {
        type: "update",
        seq: 0,
        plots: [
          { name: "roc", kind: "sklearn", config: { template: "simple", x: "fpr", y: "tpr" }, buffer: 0 },
          { name: "confusion_matrix", kind: "sklearn", config: { template: "confusion", x: "actual", y: "predicted" }, buffer: 1 },
        ],
      },
      [buffer(JSON.stringify(roc)), buffer(JSON.stringify(cm))],
    );
    await settle(view);
    expect(el.querySelector('.live-nb-plot[data-plot="roc"]').dataset.points).toBe("3");
    expect(view.plots.get("confusion_matrix").chart.view.data("table")).toHaveLength(2);
    store.apply({ type: "update", seq: 1, plots: [{ name: "confusion_matrix", kind: "sklearn", buffer: 0 }] }, [buffer(JSON.stringify([...cm, ...cm]))]);
    await settle(view);
    expect(view.plots.get("confusion_matrix").chart.view.data("table")).toHaveLength(4);
    view.dispose();
  });
});

describe("anywidget entry", () => {
  it("fills one store per model in initialize, shared by every view", async () => {
    const model = new FakeModel({ uid: "model-1", title: "%%live a", snapshot: {} }, { fromKernel: withSpecs }); // as Python sends them
    const cleanup = dashboard.initialize({ model });
    model.emit("msg:custom", { type: "update", seq: 0, series: [{ name: "loss", buffer: 0 }] }, [buffer("0\t1\n1\t2\n")]);
    const first = document.createElement("div");
    const second = document.createElement("div");
    const disposeFirst = dashboard.render({ model, el: first });
    const disposeSecond = dashboard.render({ model, el: second });
    expect(model.sent).toEqual([]); // the store had data: no need to ask for a replay
    for (const el of [first, second]) {
      expect(el.querySelector(".live-nb-chart").dataset.metric).toBe("loss");
      expect(el.querySelector(".live-nb-title").textContent).toBe("%%live a");
    }
    disposeFirst();
    disposeSecond();
    cleanup();
  });

  it("without initialize, a view follows the model itself and asks for a replay", () => {
    const model = new FakeModel({ uid: "model-2", title: "t", snapshot: {} }, { fromKernel: withSpecs });
    const el = document.createElement("div");
    const dispose = dashboard.render({ model, el });
    expect(model.sent).toEqual([{ type: "hello" }]);
    model.emit("msg:custom", { type: "update", seq: 0, reset: true, status: "done", series: [{ name: "m", buffer: 0 }] }, [buffer("0\t1\n")]);
    expect(el.querySelector(".live-nb-dashboard").dataset.status).toBe("done");
    dispose();
  });

  it("draws the final snapshot of a model restored from saved state", () => {
    const snapshot = withSpecs({
      type: "update",
      seq: 9,
      title: "%%live saved",
      status: "done",
      running: false,
      step: 3,
      series: [{ name: "train/loss", steps: [0, 1, 2], values: [1, 0.5, 0.25] }],
      images: [{ name: "cm.png", mime: "image/png", bytes: buffer("png") }],
    });
    vi.stubGlobal("URL", Object.assign(URL, { createObjectURL: () => "blob:x", revokeObjectURL: () => {} }));
    const model = new FakeModel({ uid: "model-3", title: "%%live saved", snapshot }, { fromKernel: withSpecs });
    dashboard.initialize({ model });
    const el = document.createElement("div");
    dashboard.render({ model, el });
    expect(el.querySelector(".live-nb-dashboard").dataset.status).toBe("done");
    expect(el.querySelector('.live-nb-chart[data-metric="train/loss"]')).not.toBeNull();
    expect(el.querySelector(".live-nb-img").getAttribute("src")).toBe("blob:x");
    vi.unstubAllGlobals();
  });
});

describe("names a user may type", () => {
  // tests/test_chart_specs.py: quotes, dots, brackets and backslashes in metric, field and axis names
  it("draws every chart Python builds for them, with their data", async () => {
    const { default: specs } = await import("./fixtures/specs.json");
    for (const { spec, values } of specs.hostile) {
      const view = await embedNone(null, { ...spec, data: { values } });
      const x = view.scale("x");
      expect(x.domain().every((d) => d !== undefined && !Number.isNaN(d)), JSON.stringify(spec.title)).toBe(true);
      view.finalize();
    }
  });
});
