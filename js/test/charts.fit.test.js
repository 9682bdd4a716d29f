// @vitest-environment jsdom
// Charts as wide as their place (the final output's and run view's layout, the dashboard's
// plot widths) and drawn again when the theme switches (the overlay, the run view).
import { compile } from "vega-lite";
import { afterEach, describe, expect, it, vi } from "vitest";
import { onThemeChange } from "../src/common/darkmode.js";
import { fittedWidth } from "../src/dashboard/charts.js";
import run from "../src/run/index.js";
import { COLUMNS_PARAM, fitSpec, layoutFor } from "../src/run/fit.js";
import { ChartPanel } from "../src/table/charts.js";

const FINAL = {
  $schema: "https://vega.github.io/schema/vega-lite/v5.json",
  title: { text: "run", limit: { expr: `${COLUMNS_PARAM} * 320 - 40` } },
  params: [{ name: COLUMNS_PARAM, expr: "clamp(floor((windowSize()[0] - 440) / 320), 1, 3)" }],
  vconcat: [
    {
      title: { text: "metrics" },
      columns: { signal: COLUMNS_PARAM },
      concat: [
        { width: 260, height: 150, title: { text: "loss", limit: 300 }, data: { values: [{ step: 0, value: 1 }] }, mark: "line", encoding: { x: { field: "step", type: "quantitative" }, y: { field: "value", type: "quantitative" } } },
        { width: 260, height: 150, data: { values: [{ step: 0, value: 1 }] }, mark: "line", encoding: { x: { field: "step", type: "quantitative" } } },
      ],
    },
    { title: { text: "images" }, concat: [{ width: 300, height: 300, data: { values: [] }, mark: { type: "image" } }] },
  ],
};

afterEach(() => {
  document.body.replaceChildren();
  delete document.body.dataset.jpThemeLight;
});

describe("the final charts' layout", () => {
  it("puts as many charts in a row as fit, and narrows them where one does not", () => {
    expect(layoutFor(1200)).toEqual({ columns: 3, width: 260 });
    expect(layoutFor(750)).toEqual({ columns: 2, width: 260 });
    expect(layoutFor(658)).toEqual({ columns: 2, width: 219 }); // Notebook 7 at 800 px
    expect(layoutFor(400)).toEqual({ columns: 1, width: 260 });
    expect(layoutFor(290)).toEqual({ columns: 1, width: 190 });
    expect(layoutFor(100)).toEqual({ columns: 1, width: 80 });
  });

  it("fits the spec: the columns as a value, narrower charts, images as they are", () => {
    const fitted = fitSpec(FINAL, 290);
    expect(fitted.params).toEqual([{ name: COLUMNS_PARAM, value: 1 }]);
    const [loss, other] = fitted.vconcat[0].concat;
    expect(loss).toMatchObject({ width: 190, height: 110, title: { text: "loss", limit: 230 } });
    expect(other.width).toBe(190);
    expect(fitted.vconcat[1].concat[0].width).toBe(300);
    expect(fitted.title.limit).toBe(250);
    expect(FINAL.vconcat[0].concat[0].width).toBe(260); // the spec given is left as it was
    expect(compile(fitted).spec.signals?.find((s) => s.name === COLUMNS_PARAM)?.value).toBe(1);
    expect(fitSpec(FINAL, 0)).toBe(FINAL); // not laid out yet
    expect(fitSpec({ mark: "point" }, 500)).toEqual({ mark: "point" }); // not a final spec
  });
});

describe("the dashboard's plot widths", () => {
  it("keeps the spec's width where there is room, narrows it where there is not", () => {
    expect(fittedWidth(260, 0)).toBe(260);
    expect(fittedWidth(260, 800)).toBe(260);
    expect(fittedWidth(260, 250)).toBe(180);
    expect(fittedWidth(260, 90)).toBe(100);
  });
});

describe("theme changes", () => {
  const switchTheme = async (light) => {
    document.body.dataset.jpThemeLight = String(light);
    await new Promise((resolve) => setTimeout(resolve, 0)); // mutation observers run
  };

  it("are told once per switch, until stopped", async () => {
    const seen = [];
    const stop = onThemeChange((dark) => seen.push(dark));
    await switchTheme(false);
    await switchTheme(false);
    await switchTheme(true);
    stop();
    await switchTheme(false);
    expect(seen).toEqual([true, false]);
  });

  it("draw the open overlay again in the theme's colours", async () => {
    const embedFn = vi.fn(async () => ({ finalize() {} }));
    const panel = new ChartPanel(document.body, { embedFn });
    const history = { metrics: { loss: { step: [0, 1], value: [1, 0.5] } } };
    panel.render({ series: [{ id: "a", label: "a", key: "a@1", history }], loading: false, capped: 0 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(embedFn).toHaveBeenCalledTimes(1);
    expect(embedFn.mock.calls[0][1].config.axis.labelColor).toBe("#333333");
    await switchTheme(false);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(embedFn).toHaveBeenCalledTimes(2);
    expect(embedFn.mock.calls[1][1].config.axis.labelColor).toBe("#d4d4d4");
    panel.destroy();
  });

  it("draw a run view's charts again, in the dark theme", async () => {
    const el = document.createElement("div");
    document.body.appendChild(el);
    const spec = { data: { values: [{ x: 1 }] }, mark: "point", encoding: { x: { field: "x", type: "quantitative" } } };
    const stop = run.render({ model: { get: (name) => ({ spec })[name] }, el });
    await vi.waitFor(() => expect(el.querySelector("svg.marks")).not.toBeNull());
    const labels = () => el.querySelector("svg.marks g.mark-text text")?.getAttribute("fill");
    expect(labels()).toBe("#000");
    await switchTheme(false);
    await vi.waitFor(() => expect(labels()).toBe("#fff"));
    expect(el.querySelector("svg.marks").style.backgroundColor).not.toBe("white"); // the page's
    expect(el.querySelectorAll("svg.marks")).toHaveLength(1); // drawn in place of the light one
    stop();
  });
});
