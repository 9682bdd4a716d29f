// The dashboard's DOM: a header (title, status, step, elapsed time, note), one
// chart per metric grouped by prefix, the latest value of every metric, the
// parameters, the images (with a step slider where a name holds one image per
// step) and the custom/sklearn plots. It draws from a DashboardStore and
// follows its changes; user text only ever goes in as textContent.
//
// Stable hooks for tests and tools:
//   .live-nb-dashboard[data-status][data-step]   the root
//   .live-nb-group[data-group]                    a group of charts
//   .live-nb-chart[data-metric][data-points][data-shown]
//   .live-nb-latest-table tr[data-metric], .live-nb-params-table tr[data-param]
//   .live-nb-image[data-image][data-frames] > img.live-nb-img, input.live-nb-slider
//   .live-nb-plot[data-plot][data-points]

import { h, setText } from "../common/dom.js";
import { statusColor } from "../common/colors.js";
import { formatElapsed, formatSteps, formatValue } from "../common/format.js";
import { groupNames, splitName } from "./groups.js";
import { MetricChart, PlotChart, fittedWidth } from "./charts.js";
import { onThemeChange } from "../common/darkmode.js";
import { DASHBOARD_CSS } from "./style.js";

/**
 * Draw `store` into `el` and follow its changes; the returned object's `dispose()` stops.
 * @param {object} options
 * @param {HTMLElement} options.el
 * @param {import("./store.js").DashboardStore} options.store
 * @param {(el: HTMLElement, spec: object) => Promise<any>} options.embed draws a spec into `el`, resolving to its Vega view
 * @param {typeof import("vega")} options.vega the vega module (for changesets)
 * @param {(callback: () => void) => void} [options.schedule] when a chart redraws (default: the next animation frame)
 * @param {number} [options.maxPoints] the most points a chart draws
 * @param {number} [options.tick] milliseconds between updates of the elapsed time; 0: none
 */
export function createDashboardView({ el, store, embed, vega, schedule, maxPoints, tick = 1000 }) {
  const parts = {
    title: h("span", { className: "live-nb-title" }),
    status: h("span", { className: "live-nb-status" }),
    step: h("span", { className: "live-nb-step" }),
    elapsed: h("span", { className: "live-nb-elapsed" }),
    note: h("div", { className: "live-nb-note" }),
    metrics: h("div", { className: "live-nb-section live-nb-metrics" }),
    latest: h("tbody"),
    params: h("tbody"),
    images: h("div", { className: "live-nb-section live-nb-images" }),
    plots: h("div", { className: "live-nb-section live-nb-plots" }),
  };
  const latestTable = h(
    "table",
    { className: "live-nb-latest-table" },
    h("thead", {}, h("tr", {}, h("th", { text: "metric" }), h("th", { text: "latest" }))),
    parts.latest,
  );
  const paramsTable = h(
    "table",
    { className: "live-nb-params-table" },
    h("thead", {}, h("tr", {}, h("th", { text: "param" }), h("th", { text: "value" }))),
    parts.params,
  );
  const tables = h("div", { className: "live-nb-section live-nb-tables" }, latestTable, paramsTable);
  const root = h(
    "div",
    { className: "live-nb-dashboard", dataset: { status: "running", step: 0 } },
    h("style", { text: DASHBOARD_CSS }),
    h(
      "div",
      { className: "live-nb-header" },
      parts.title,
      parts.status,
      parts.step,
      parts.elapsed,
    ),
    parts.note,
    parts.metrics,
    tables,
    parts.images,
    parts.plots,
  );
  el.replaceChildren(root);

  const groups = new Map(); // group -> { section, charts }
  const charts = new Map(); // metric -> { chart, el, value }
  const latestRows = new Map(); // metric -> value cell
  const imageViews = new Map(); // key -> { box, img, slider, label }
  const plotViews = new Map(); // name -> { el, chart, version }

  function header() {
    const state = store.state;
    setText(parts.title, state.title);
    setText(parts.status, state.status);
    parts.status.style.color = statusColor(state.status);
    setText(parts.step, formatSteps(state.step)); // "30 steps": the charts end at step 29
    setText(parts.elapsed, formatElapsed(store.elapsedNow()));
    setText(parts.note, state.note);
    root.dataset.status = String(state.status);
    root.dataset.step = String(state.step ?? 0);
    latestTable.hidden = store.state.latest.size === 0;
    paramsTable.hidden = store.state.params.length === 0;
  }

  function groupSection(group) {
    let entry = groups.get(group);
    if (entry) return entry;
    const box = h("div", { className: "live-nb-charts" });
    const section = h(
      "div",
      { className: "live-nb-group", dataset: { group } },
      group ? h("div", { className: "live-nb-group-title", text: group }) : null,
      box,
    );
    // The root group (metrics without a prefix) first, then groups as they appear.
    if (group === "" && parts.metrics.firstChild) parts.metrics.insertBefore(section, parts.metrics.firstChild);
    else parts.metrics.appendChild(section);
    entry = { section, box };
    groups.set(group, entry);
    return entry;
  }

  function chartFor(name) {
    let entry = charts.get(name);
    if (entry) return entry;
    const series = store.state.series.get(name);
    if (!series || series.data.n === 0) return null; // no numbers (yet): a text metric has no chart
    const spec = store.state.specs.metrics.get(name);
    if (!spec) return null; // a metric's spec comes with its first rows
    const { group } = splitName(name);
    const value = h("span", { className: "live-nb-chart-value" });
    const canvas = h("div", { className: "live-nb-chart-canvas" });
    const box = h(
      "div",
      { className: "live-nb-chart", dataset: { metric: name, points: 0, shown: 0 } },
      h("div", { className: "live-nb-chart-head" }, h("span", { className: "live-nb-chart-name", text: name }), value),
      canvas,
    );
    groupSection(group).box.appendChild(box);
    const chart = new MetricChart({
      el: box,
      spec,
      series: series.data,
      embed: (_, spec) => embed(canvas, spec),
      vega,
      maxPoints,
      schedule,
    });
    entry = { chart, el: box, value, wanted: spec.width };
    charts.set(name, entry);
    fitChart(entry);
    return entry;
  }

  function latest() {
    for (const [name, value] of store.state.latest) {
      let cell = latestRows.get(name);
      if (!cell) {
        cell = h("td");
        parts.latest.appendChild(h("tr", { dataset: { metric: name } }, h("td", { text: name }), cell));
        latestRows.set(name, cell);
      }
      setText(cell, formatValue(value));
      const chart = charts.get(name);
      if (chart) setText(chart.value, formatValue(value));
    }
  }

  function params() {
    parts.params.replaceChildren(
      ...store.state.params.map(([name, value]) =>
        h("tr", { dataset: { param: name } }, h("td", { text: name }), h("td", { text: formatValue(value) })),
      ),
    );
  }

  function image(key) {
    const group = store.images.groups.get(key);
    if (!group) return;
    let entry = imageViews.get(key);
    if (!entry) {
      const img = h("img", { className: "live-nb-img", attrs: { alt: key } });
      const label = h("span", { className: "live-nb-slider-step" });
      const slider = h("input", {
        className: "live-nb-slider",
        attrs: { type: "range", min: 0, max: 0, step: 1, value: 0, "aria-label": `${key} step` },
        on: {
          input: (event) => store.selectImage(key, event.target.value),
        },
      });
      const sliderRow = group.slider ? h("div", { className: "live-nb-slider-row" }, slider, label) : null;
      const box = h(
        "div",
        { className: "live-nb-image", dataset: { image: key, frames: 0 } },
        h("div", { className: "live-nb-image-name", text: key }),
        img,
        sliderRow,
      );
      parts.images.appendChild(box);
      entry = { box, img, slider, label };
      imageViews.set(key, entry);
    }
    const frame = store.images.current(key);
    if (!frame) return;
    if (entry.img.getAttribute("src") !== frame.url) entry.img.setAttribute("src", frame.url);
    entry.img.title = frame.name;
    entry.box.dataset.frames = String(group.frames.length);
    entry.box.dataset.selected = String(group.selected);
    if (group.slider) {
      entry.slider.max = String(group.frames.length - 1);
      entry.slider.value = String(group.selected);
      setText(entry.label, `step ${frame.step}`);
    }
  }

  function plot(name) {
    const data = store.state.plots.get(name);
    const spec = store.state.specs.plots.get(name);
    if (!data || !spec) return;
    let entry = plotViews.get(name);
    if (!entry) {
      const canvas = h("div", { className: "live-nb-plot-canvas" });
      const box = h("div", { className: "live-nb-plot", dataset: { plot: name, kind: data.kind, points: 0 } }, canvas);
      parts.plots.appendChild(box);
      const chart = new PlotChart({ el: box, spec, embed: (_, spec) => embed(canvas, spec), vega });
      entry = { el: box, chart, version: 0, wanted: spec.width };
      plotViews.set(name, entry);
      fitChart(entry);
    }
    if (entry.version !== data.version) {
      entry.version = data.version;
      entry.chart.setData(data.data);
    }
  }

  // Charts as wide as the output has room for: narrower than their spec's width where
  // the notebook is narrow (they wrap to fewer per row first), drawn again when it changes.
  let available = 0;
  function fitChart(entry) {
    const width = fittedWidth(entry.wanted, available);
    if (typeof width === "number" && width !== entry.fitted) {
      entry.fitted = width;
      entry.el.dataset.width = String(width);
      entry.chart.fit(width);
    }
  }

  function fitAll() {
    available = parts.metrics.clientWidth || root.clientWidth;
    for (const entry of charts.values()) fitChart(entry);
    for (const entry of plotViews.values()) fitChart(entry);
  }

  function clear() {
    for (const { chart } of charts.values()) chart.dispose();
    for (const { chart } of plotViews.values()) chart.dispose();
    charts.clear();
    groups.clear();
    latestRows.clear();
    imageViews.clear();
    plotViews.clear();
    parts.metrics.replaceChildren();
    parts.latest.replaceChildren();
    parts.params.replaceChildren();
    parts.images.replaceChildren();
    parts.plots.replaceChildren();
  }

  function everything() {
    for (const name of groupNames([...store.state.series.keys()]).flatMap((g) => g.names)) chartFor(name)?.chart.sync();
    latest();
    params();
    for (const key of store.images.groups.keys()) image(key);
    for (const name of store.state.plots.keys()) plot(name);
    header();
  }

  function onChange(changes) {
    if (changes.reset) {
      clear();
      everything();
      return;
    }
    for (const name of changes.series ?? []) chartFor(name)?.chart.sync();
    if (changes.latest) latest();
    if (changes.params) params();
    for (const key of changes.images ?? []) image(key);
    for (const name of changes.plots ?? []) plot(name);
    header();
  }

  fitAll();
  everything();
  const unsubscribe = store.subscribe(onChange);
  const resize = globalThis.ResizeObserver ? new ResizeObserver(() => fitAll()) : null;
  resize?.observe(root);
  // The charts' axes and text take the theme's colours when embedded: drawn again on a switch.
  const stopTheme = onThemeChange(() => {
    clear();
    everything();
  });
  const timer = tick > 0 ? setInterval(() => setText(parts.elapsed, formatElapsed(store.elapsedNow())), tick) : null;

  return {
    root,
    charts,
    plots: plotViews,
    images: imageViews,
    dispose() {
      unsubscribe();
      resize?.disconnect();
      stopTheme();
      if (timer) clearInterval(timer);
      clear();
    },
  };
}
