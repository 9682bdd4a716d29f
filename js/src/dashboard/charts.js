// Live charts: a Vega view per chart, fed through Vega changesets.
//
// A MetricChart keeps its view in step with a growing series (SeriesData):
// sync() computes, with a StreamingDownsampler, which displayed points to
// remove and which to insert, and applies that as one changeset. The view is
// never re-rendered from scratch; its DOM element carries data-points (the
// points received) and data-shown (the points drawn) for tests and tools.

import { StreamingDownsampler, DEFAULT_MAX_POINTS } from "./downsample.js";
import { plotRecords } from "./records.js";
import { CHART_CONFIG } from "../common/theme.js";
import { isDarkTheme } from "../common/darkmode.js";

const BESIDE_PLOT = 70; // px of a chart's box beside its plot: the y axis, its title, padding
const MIN_PLOT = 100;

/**
 * The plot width of a chart whose spec asks for `wanted` px in a box `available` px wide
 * (0: not laid out yet): as asked where there is room, narrower where there is not.
 */
export function fittedWidth(wanted, available) {
  if (!available || !wanted) return wanted;
  return Math.max(MIN_PLOT, Math.min(wanted, Math.floor(available - BESIDE_PLOT)));
}

/**
 * Turn a downsampler's change into calls on a Vega changeset; `vega` is the
 * vega module (for vega.changeset and vega.truthy). Returns the changeset.
 */
export function toChangeset(vega, change) {
  const changeset = vega.changeset();
  if (change.reset) changeset.remove(vega.truthy);
  else changeset.remove((datum) => datum._b >= change.removeFrom);
  return changeset.insert(change.insert);
}

let canvasSupport = null;

/** Whether this page can draw on a canvas (not so in jsdom, or where canvas is blocked). */
export function canvasSupported() {
  if (canvasSupport === null) {
    try {
      canvasSupport = typeof document !== "undefined" && Boolean(document.createElement("canvas").getContext("2d"));
    } catch {
      canvasSupport = false;
    }
  }
  return canvasSupport;
}

/** JupyterLab's dark themes mark the body with data-jp-theme-light="false" (common/darkmode.js). */
export const darkTheme = isDarkTheme;

/**
 * Options every live_nb chart is embedded with: no actions menu, no loader that reaches the network.
 * @returns {import("vega-embed").EmbedOptions}
 */
export function embedOptions() {
  const refuse = () => Promise.reject(new Error("live_nb charts load no external data"));
  return {
    ...(darkTheme() ? { theme: "dark" } : {}),
    config: darkTheme() ? { ...CHART_CONFIG, background: null } : CHART_CONFIG,
    actions: false,
    renderer: canvasSupported() ? "canvas" : "svg", // canvas: thousands of points stay fast
    mode: "vega-lite",
    tooltip: true,
    logLevel: 1, // errors only: an empty chart's "infinite extent" warnings are expected
    loader: { load: refuse, sanitize: refuse, http: refuse, file: refuse },
  };
}

export class MetricChart {
  /**
   * el: the element the chart draws into; series: a SeriesData;
   * embed: async (el, spec) => vega View (see index.js); vega: the vega module.
   */
  constructor({ el, spec, series, embed, vega, maxPoints = DEFAULT_MAX_POINTS, schedule }) {
    this.el = el;
    this.series = series;
    this.vega = vega;
    this.source = spec.data.name; // the data source the spec reads
    this.downsampler = new StreamingDownsampler(maxPoints);
    this.schedule = schedule ?? defaultSchedule;
    this.view = null;
    this.pending = false;
    this.disposed = false;
    this.updates = 0; // changesets applied
    this.ready = Promise.resolve(embed(el, spec)).then(
      (view) => {
        if (this.disposed) {
          view?.finalize?.();
          return;
        }
        this.view = view;
        if (this.width) fitView(view, this.width);
        this.flush();
      },
      (error) => {
        this.el.dataset.error = String(error?.message ?? error);
        console.error("live_nb: could not draw a chart", error);
      },
    );
    this.el.dataset.points = "0";
    this.el.dataset.shown = "0";
    this.width = 0; // the plot width asked by fit(); 0: the spec's
  }

  /** Draw the plot `width` px wide (the view's box got narrower or wider). */
  fit(width) {
    this.width = width;
    return this.view && !this.disposed ? fitView(this.view, width) : null;
  }

  /** Ask for the chart to catch up with its series (at most once per frame). */
  sync() {
    if (this.pending || this.disposed) return;
    this.pending = true;
    this.schedule(() => {
      this.pending = false;
      this.flush();
    });
  }

  /** Catch up now (when the view is ready). */
  flush() {
    if (!this.view || this.disposed) return null;
    const { xs, ys, n } = this.series;
    const change = this.downsampler.update(xs, ys, n);
    if (!change) return null;
    this.view.change(this.source, toChangeset(this.vega, change));
    const run = rerun(this.view);
    this.updates += 1;
    this.el.dataset.points = String(n);
    this.el.dataset.shown = String(this.downsampler.count);
    return run;
  }

  dispose() {
    this.disposed = true;
    this.view?.finalize?.();
    this.view = null;
  }
}

/** A custom or sklearn plot: its records replace the previous ones through a changeset. */
export class PlotChart {
  constructor({ el, spec, embed, vega }) {
    this.el = el;
    this.vega = vega;
    this.source = spec.data.name;
    this.view = null;
    this.records = null;
    this.disposed = false;
    this.width = 0;
    this.ready = Promise.resolve(embed(el, spec)).then(
      (view) => {
        if (this.disposed) {
          view?.finalize?.();
          return;
        }
        this.view = view;
        if (this.width) fitView(view, this.width);
        if (this.records) this.setData(this.records);
      },
      (error) => {
        this.el.dataset.error = String(error?.message ?? error);
        console.error("live_nb: could not draw a plot", error);
      },
    );
  }

  /** Draw the plot `width` px wide (see MetricChart.fit). */
  fit(width) {
    this.width = width;
    return this.view && !this.disposed ? fitView(this.view, width) : null;
  }

  setData(data) {
    this.records = plotRecords(data);
    this.el.dataset.points = String(this.records.length);
    if (!this.view) return null;
    const changeset = this.vega.changeset().remove(this.vega.truthy).insert(structuredCopy(this.records));
    this.view.change(this.source, changeset);
    return rerun(this.view);
  }

  dispose() {
    this.disposed = true;
    this.view?.finalize?.();
    this.view = null;
  }
}

/** A view's plot made `width` px wide (the signal every single-view Vega-Lite chart has). */
function fitView(view, width) {
  if (typeof view.width !== "function" || view.width() === width) return null;
  view.width(width);
  return rerun(view);
}

/**
 * Run the view after a data change. resize() first: Vega lays out ("pad"
 * autosize) only when asked, and new data brings new axis labels to make room for.
 */
function rerun(view) {
  view.resize?.();
  return view.runAsync ? view.runAsync() : view.run();
}

function structuredCopy(records) {
  // Vega tags inserted objects with an id; give it copies, not the store's objects.
  return records.map((record) => ({ ...record }));
}

function defaultSchedule(callback) {
  if (typeof requestAnimationFrame === "function" && typeof document !== "undefined" && !document.hidden) {
    requestAnimationFrame(callback);
  } else {
    setTimeout(callback, 16);
  }
}
