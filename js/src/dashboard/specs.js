// Vega-Lite specs for the dashboard's charts (and for anything else that draws
// live_nb's metrics and plots, such as the HTML report). Pure functions: they
// take names and configs and return plain objects. Data is never put in the
// live specs: it goes into the named data sources ("points" for metrics,
// "table" for plots) through Vega changesets, so charts are never re-rendered.
//
// Every user-supplied string ends up as a Vega text value (titles, labels),
// which Vega draws as text, never as markup.

import { splitName } from "./groups.js";
import { colorFor } from "../common/colors.js";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"; // the bundled Vega-Lite
export const METRIC_DATA = "points";
export const PLOT_DATA = "table";

/** A data field name as Vega-Lite reads it: dots and brackets are path syntax, so escape them. */
export function fieldRef(name) {
  return String(name).replace(/[.[\]\\]/g, (char) => `\\${char}`);
}

const BASE_CONFIG = {
  view: { stroke: null },
  axis: { labelFontSize: 10, titleFontSize: 10, grid: true, gridOpacity: 0.5 },
  title: { fontSize: 12, anchor: "start", fontWeight: "normal" },
};

/** One metric's chart: x = step, y = value, a line and a tooltip on the nearest point. */
export function metricSpec(name, { width = 260, height = 150, color, title = true } = {}) {
  const { label } = splitName(name);
  const stroke = color ?? colorFor(name);
  return {
    $schema: SCHEMA,
    width,
    height,
    config: BASE_CONFIG,
    ...(title ? { title: { text: String(name), limit: width + 40 } } : {}),
    data: { name: METRIC_DATA },
    encoding: {
      x: { field: "step", type: "quantitative", title: "step", scale: { nice: false } },
      y: { field: "value", type: "quantitative", title: label, scale: { zero: false } },
    },
    layer: [
      { mark: { type: "line", color: stroke, clip: true, strokeWidth: 1.5 } },
      {
        params: [
          {
            name: "hover",
            select: { type: "point", on: "pointermove", nearest: true, clear: "pointerout" },
          },
        ],
        mark: { type: "point", color: stroke, filled: true, size: 36, clip: true },
        encoding: {
          opacity: { condition: { param: "hover", empty: false, value: 1 }, value: 0 },
          tooltip: [
            { field: "step", type: "quantitative", title: "step" },
            { field: "value", type: "quantitative", title: String(name), format: ".6~g" },
          ],
        },
      },
    ],
  };
}

const CURVE_TEMPLATES = new Set(["linear", "simple", "smooth", "scatter", "bar_horizontal", "bar_horizontal_sorted"]);

/** The records a plot file holds: custom plots and confusion matrices are lists; other sklearn plots are { kind: [...] }. */
export function plotRecords(data) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === "object") {
    const first = Object.values(data).find(Array.isArray);
    if (first) return first;
  }
  return [];
}

/**
 * A custom or sklearn plot, from its dvc.yaml config ({ template, x, y, title,
 * x_label, y_label }): lines for linear/simple/smooth, points for scatter,
 * bars for bar_horizontal(_sorted), a heat map for confusion(_normalized).
 */
export function plotSpec(name, config = {}, { width = 300, height = 220 } = {}) {
  const template = config.template ?? "linear";
  const title = { text: String(config.title ?? name), limit: width + 40 };
  if (template === "confusion" || template === "confusion_normalized") {
    return confusionSpec(name, config, { width, height, title });
  }
  const x = String(config.x ?? "x");
  const ys = (Array.isArray(config.y) ? config.y : [config.y ?? "y"]).map(String);
  const xTitle = String(config.x_label ?? x);
  const yTitle = String(config.y_label ?? (ys.length === 1 ? ys[0] : "value"));
  const kind = CURVE_TEMPLATES.has(template) ? template : "linear";
  const spec = {
    $schema: SCHEMA,
    width,
    height,
    config: BASE_CONFIG,
    title,
    data: { name: PLOT_DATA },
    transform: [{ fold: ys.map(fieldRef), as: ["__series", "__value"] }],
    mark: { type: kind === "scatter" ? "point" : "line", clip: true, tooltip: true },
    encoding: {
      x: { field: fieldRef(x), type: "quantitative", title: xTitle, scale: { zero: false } },
      y: { field: "__value", type: "quantitative", title: yTitle, scale: { zero: false } },
    },
  };
  if (ys.length > 1) spec.encoding.color = { field: "__series", type: "nominal", title: null };
  if (kind === "bar_horizontal" || kind === "bar_horizontal_sorted") {
    // As DVC's templates: x is the bar's length, y its label.
    delete spec.transform;
    spec.mark = { type: "bar", tooltip: true };
    spec.encoding = {
      x: { field: fieldRef(x), type: "quantitative", title: xTitle },
      y: {
        field: fieldRef(ys[0]),
        type: "nominal",
        title: yTitle,
        sort: kind === "bar_horizontal_sorted" ? "-x" : null,
      },
    };
  }
  return spec;
}

function confusionSpec(name, config, { width, height, title }) {
  const x = String(config.x ?? "actual");
  const y = String(config.y ?? "predicted");
  const normalized = config.template === "confusion_normalized";
  const value = normalized ? "__rate" : "__count";
  const transform = [{ aggregate: [{ op: "count", as: "__count" }], groupby: [fieldRef(x), fieldRef(y)] }];
  if (normalized) {
    transform.push(
      { joinaggregate: [{ op: "sum", field: "__count", as: "__total" }], groupby: [fieldRef(x)] },
      { calculate: "datum.__count / datum.__total", as: "__rate" },
    );
  }
  // the darkest cells get white text
  transform.push({ joinaggregate: [{ op: "max", field: value, as: "__max" }] });
  const axisX = { field: fieldRef(x), type: "nominal", title: String(config.x_label ?? x), axis: { labelAngle: 0, grid: false } };
  const axisY = { field: fieldRef(y), type: "nominal", title: String(config.y_label ?? y), axis: { grid: false } };
  return {
    $schema: SCHEMA,
    width: Math.min(width, height + 60),
    height,
    config: BASE_CONFIG,
    title,
    data: { name: PLOT_DATA },
    transform,
    encoding: { x: axisX, y: axisY },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: { field: value, type: "quantitative", title: normalized ? "rate" : "count", scale: { scheme: "blues", zero: true } },
        },
      },
      {
        mark: { type: "text", fontSize: 11 },
        encoding: {
          text: { field: value, type: "quantitative", format: normalized ? ".2f" : "d" },
          color: { condition: { test: `datum.${value} > datum.__max / 2`, value: "white" }, value: "#222" },
        },
      },
    ],
  };
}
