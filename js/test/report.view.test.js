// @vitest-environment jsdom
// The report page: the dashboard's view drawn once from the embedded data,
// images as data: URLs, user text as text, hooks with counts for tests and tools.
import * as vega from "vega";
import vegaEmbed from "vega-embed";
import { compile } from "vega-lite";
import { afterEach, describe, expect, it } from "vitest";
import { renderReport, showFailure } from "../src/report/view.js";
import { withSpecs } from "./support/specs.js";

const XSS = "<img src=x onerror=alert(1)>";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

async function embedNone(_el, spec) {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: "none" });
  await view.runAsync();
  return view;
}

async function embedSvg(el, spec) {
  const result = await vegaEmbed(el, spec, { renderer: "svg", actions: false, ast: true, mode: "vega-lite", logLevel: vega.Error });
  return result.view;
}

function reportData(overrides = {}) {
  const data = {
    format: "live_nb-report",
    version: 1,
    generated: "2024-05-01T12:00:03+00:00",
    refresh: null,
    dir: "dvclive",
    message: {
      type: "update",
      seq: 3,
      title: "live_nb report · dvclive",
      status: "done",
      note: "",
      running: false,
      step: 3,
      elapsed: 12.5,
      params: [["lr", 0.1], ["opt", '{"name": "adam"}']],
      latest: { "train/loss": 0.25, acc: 0.9, note: "text value" },
      series: [
        { name: "train/loss", steps: [0, 1, 2], values: [1, 0.5, 0.25] },
        { name: "acc", steps: [0, 1, 2], values: [0.5, 0.8, 0.9] },
      ],
      plots: [
        { name: "roc", kind: "sklearn", sklearn: "roc", config: { template: "simple", x: "fpr", y: "tpr" }, data: [{ fpr: 0, tpr: 0 }, { fpr: 0.5, tpr: 0.9 }, { fpr: 1, tpr: 1 }] },
        {
          name: "confusion_matrix",
          kind: "sklearn",
          sklearn: "confusion_matrix",
          config: { template: "confusion", x: "actual", y: "predicted" },
          data: [{ actual: "0", predicted: "0" }, { actual: "1", predicted: "0" }, { actual: "1", predicted: "1" }, { actual: "1", predicted: "1" }],
        },
      ],
      images: [
        { name: "cm.png", mime: "image/png", bytes: PNG },
        { name: "samples/0.png", mime: "image/png", bytes: PNG },
        { name: "samples/1.png", mime: "image/png", bytes: PNG },
      ],
    },
    counts: { "train/loss": 3, acc: 3 },
    omitted: { images: 0, bytes: 0 },
    ...overrides,
  };
  return { ...data, message: withSpecs(data.message) }; // as Python writes it
}

function mount() {
  const el = document.createElement("div");
  el.id = "live-nb-report";
  document.body.appendChild(el);
  return el;
}

afterEach(() => {
  document.body.replaceChildren();
});

describe("report view", () => {
  it("draws the dashboard from the embedded data: charts, tables, images, plots", async () => {
    const el = mount();
    const { view, ready } = renderReport({ el, data: reportData(), embed: embedNone, vega, schedule: (f) => f() });
    await ready;
    expect(el.dataset.report).toBe("ready");
    const root = el.querySelector(".live-nb-dashboard");
    expect(root.dataset.status).toBe("done");
    expect(root.dataset.step).toBe("3");
    expect([...el.querySelectorAll(".live-nb-group")].map((g) => g.dataset.group)).toEqual(["", "train"]);
    const loss = el.querySelector('.live-nb-chart[data-metric="train/loss"]');
    expect(loss.dataset.points).toBe("3");
    expect(loss.dataset.logged).toBe("3");
    expect(view.charts.get("train/loss").chart.view.data("points")).toHaveLength(3);
    expect([...el.querySelectorAll(".live-nb-latest-table tr[data-metric]")].map((r) => r.dataset.metric)).toEqual([
      "train/loss",
      "acc",
      "note",
    ]);
    expect(el.querySelector('.live-nb-params-table tr[data-param="opt"]').textContent).toBe('opt{"name": "adam"}');
    expect(el.querySelector('.live-nb-plot[data-plot="roc"]').dataset.points).toBe("3");
    expect(view.plots.get("confusion_matrix").chart.view.data("table")).toHaveLength(4);
    const samples = el.querySelector('.live-nb-image[data-image="samples"]');
    expect(samples.dataset.frames).toBe("2");
    expect(samples.querySelector("input.live-nb-slider").max).toBe("1");
    for (const img of el.querySelectorAll("img")) expect(img.getAttribute("src")).toBe(`data:image/png;base64,${PNG}`);
    expect(el.querySelector(".live-nb-report-meta").textContent).toMatch(/^written 2024-05-0[12] /);
    view.dispose();
  });

  it("draws real SVG charts and counts their marks", async () => {
    const el = mount();
    const { view, ready } = renderReport({ el, data: reportData(), embed: embedSvg, vega, schedule: (f) => f() });
    await ready;
    const loss = el.querySelector('.live-nb-chart[data-metric="train/loss"]');
    expect(loss.querySelector("svg")).not.toBeNull();
    expect(loss.dataset.marks).toBe("3"); // one point mark per step
    const cm = el.querySelector('.live-nb-plot[data-plot="confusion_matrix"]');
    expect(cm.dataset.marks).toBe("4"); // (0,0), (1,0), (1,1) and (0,1), counted 0
    view.dispose();
  });

  it("shows every user string as text, never as markup", async () => {
    const el = mount();
    const data = reportData({
      dir: XSS,
      message: {
        type: "update",
        title: XSS,
        note: XSS,
        status: XSS,
        params: [[XSS, XSS]],
        latest: { [XSS]: XSS },
        series: [{ name: XSS, steps: [0, 1], values: [1, 2] }, { name: `${XSS}/loss`, steps: [0], values: [1] }],
        plots: [{ name: XSS, kind: "custom", config: { x: XSS, y: XSS, title: XSS }, data: [{ [XSS]: 1 }] }],
        images: [
          { name: `${XSS}.png`, mime: "image/png", bytes: PNG },
          { name: "evil.png", mime: "image/png", bytes: 'x" onerror="alert(1)' },
          { name: "svg.png", mime: "image/svg+xml", bytes: "PHN2Zz4=" },
        ],
      },
    });
    const { view, ready } = renderReport({ el, data, embed: embedNone, vega, schedule: (f) => f() });
    await ready;
    for (const img of el.querySelectorAll("img")) {
      expect(img.className).toBe("live-nb-img");
      expect(img.getAttribute("onerror")).toBeNull();
      expect(img.getAttribute("src") ?? "").toMatch(/^(data:image\/png;base64,[A-Za-z0-9+/=]+)?$/);
    }
    expect(el.querySelector('img[src="x"]')).toBeNull();
    expect(el.querySelector(".live-nb-title").textContent).toBe(XSS);
    expect(el.querySelector(".live-nb-note").textContent).toBe(XSS);
    expect(el.querySelector(".live-nb-group-title").textContent).toBe(XSS);
    expect(el.innerHTML).toContain("&lt;img src=x onerror=alert(1)&gt;");
    view.dispose();
  });

  it("says why a report cannot be drawn, as text", () => {
    const el = mount();
    showFailure(el, new Error(XSS));
    expect(el.dataset.report).toBe("error");
    expect(el.querySelector(".live-nb-report-error").textContent).toContain(XSS);
    expect(el.querySelector("img")).toBeNull();
  });
});
