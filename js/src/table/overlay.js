// Overlaid metric histories, as `dvc plots diff` draws them: one Vega-Lite line
// chart per metric, one line per selected row, x = step. Pure functions, but for
// StyleSlots (which row has which colour).
//
// A checkpoint's history is the first steps of its experiment's: drawn as one more
// solid line it would hide under (or hide) its experiment's. Checkpoints are drawn
// last, dashed, with a diamond at their last step.

// Okabe & Ito's colour-blind-safe palette (without black and yellow, which
// vanish on dark and light backgrounds); beyond six lines the dash pattern
// changes too, so every line stays distinguishable without colour.
export const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"];
export const DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];
export const MAX_OVERLAY = 24; // the Python side reads at most this many histories at once
const POINTS_SHOWN_UP_TO = 60; // draw point marks when a series is this short

// Legend labels: the experiment name; the short sha is added when two
// selected rows share a name (experiments of different baselines).
export function seriesLabels(entries, nameColumn, revColumn) {
  const names = entries.map((entry) => entry.text[nameColumn] ?? entry.id);
  const counts = new Map();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  const labels = new Map();
  entries.forEach((entry, index) => {
    const name = names[index];
    const label = counts.get(name) > 1 ? `${name} (${entry.text[revColumn] ?? entry.id})` : name;
    labels.set(entry.id, label);
  });
  return labels;
}

export const CHECKPOINT_DASH = [4, 3]; // a checkpoint's line, over its experiment's solid one
const CHECKPOINT_MARK = { shape: "diamond", size: 90 }; // at a checkpoint's last step

export function styleOf(index) {
  return {
    color: PALETTE[index % PALETTE.length],
    dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length],
  };
}

/**
 * Which style (palette slot) each ticked row has: a row keeps its slot while it stays
 * ticked, a newly ticked row takes the lowest free one. Ticking or unticking a row
 * recolours no other (styles by tick order would).
 */
export class StyleSlots {
  constructor() {
    /** @type {Map<string, number>} */
    this.slots = new Map();
  }

  /** The slot of each of `ids` (the rows ticked now), forgetting the rows no longer there. */
  assign(ids) {
    const wanted = new Set(ids);
    for (const id of [...this.slots.keys()]) if (!wanted.has(id)) this.slots.delete(id);
    const taken = new Set(this.slots.values());
    let free = 0;
    for (const id of ids) {
      if (this.slots.has(id)) continue;
      while (taken.has(free)) free += 1;
      this.slots.set(id, free);
      taken.add(free);
    }
    return new Map(ids.map((id) => [id, this.slots.get(id)]));
  }
}

/** A series' style: its slot's colour and dash; a checkpoint's dash is CHECKPOINT_DASH. */
export function seriesStyle(item, index) {
  const style = styleOf(item.slot ?? index);
  return item.checkpoint ? { ...style, dash: CHECKPOINT_DASH } : style;
}

// The metrics any of the series has, in the order the runs logged them (the order of
// their histories, see live_nb/experiments/history.py): the first series' metrics first,
// then those only later series have, as the live dashboard lists them.
export function metricNames(series) {
  const names = new Set();
  for (const item of series) {
    for (const name of Object.keys(item.history?.metrics ?? {})) names.add(name);
  }
  return [...names];
}

function themeConfig(dark) {
  const text = dark ? "#d4d4d4" : "#333333";
  const grid = dark ? "#444444" : "#e6e6e6";
  return {
    background: null,
    view: { stroke: grid },
    axis: {
      labelColor: text,
      titleColor: text,
      gridColor: grid,
      domainColor: text,
      tickColor: text,
    },
    legend: { labelColor: text, titleColor: text },
    title: { color: text },
  };
}

// The legend the charts share, one entry per series: {label, color, dash, checkpoint},
// in selection order, styled as the lines are.
export function legendItems(series) {
  return series.map((item, index) => ({
    label: item.label,
    ...seriesStyle(item, index),
    checkpoint: Boolean(item.checkpoint),
  }));
}

// A dash pattern drawn with CSS (a legend swatch): a repeating gradient of the
// pattern's dashes and gaps, in px. Only constants and palette colours go in.
export function dashBackground(color, dash) {
  if (!dash || dash.length < 2 || dash.every((length, i) => i % 2 === 0 || length === 0)) return color;
  const stops = [];
  let at = 0;
  dash.forEach((length, i) => {
    stops.push(`${i % 2 === 0 ? color : "transparent"} ${at}px ${at + length}px`);
    at += length;
  });
  return `repeating-linear-gradient(to right, ${stops.join(", ")})`;
}

// `series`: [{id, label, history: {metrics: {name: {step: [], value: []}}}, slot?,
// checkpoint?}] in selection order (`slot`: from StyleSlots, else the position).
// Returns [{metric, spec}], one per metric. `legend: false` leaves the legend out of
// every chart (the table draws one for all of them).
export function overlaySpecs(series, { dark = false, width = 300, height = 170, legend: withLegend = true } = {}) {
  const labels = series.map((item) => item.label);
  const styles = series.map((item, index) => seriesStyle(item, index));
  const dashed = series.some((item, index) => !item.checkpoint && (item.slot ?? index) >= PALETTE.length);
  const checkpoints = series.some((item) => item.checkpoint);
  return metricNames(series).map((metric) => {
    const { values, longest } = metricValues(series, metric);
    const legend = withLegend
      ? {
          title: "experiment",
          orient: "bottom",
          direction: "vertical",
          labelLimit: 320,
          symbolType: "stroke",
          symbolStrokeWidth: 2,
        }
      : null;
    const encoding = {
      x: { field: "step", type: "quantitative", title: "step", axis: { tickMinStep: 1 } },
      y: { field: "value", type: "quantitative", title: null, scale: { zero: false } },
      color: {
        field: "experiment",
        type: "nominal",
        sort: null,
        scale: { domain: labels, range: styles.map((style) => style.color) },
        legend,
      },
      tooltip: [
        { field: "experiment", type: "nominal" },
        { field: "step", type: "quantitative" },
        { field: "value", type: "quantitative", format: ".5~g" },
      ],
    };
    const point = longest <= POINTS_SHOWN_UP_TO ? { size: 16, filled: true } : false;
    const lines = { type: "line", strokeWidth: 1.6, point };
    const dashes = dashed ? { domain: labels, range: styles.map((style) => style.dash), legend } : null;
    /** @type {object[]} */
    const layer = [experimentsLayer(lines, checkpoints, dashes)];
    if (checkpoints) layer.push(...checkpointLayers(lines, dark));
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: metric, anchor: "start", fontSize: 12 },
      width,
      height,
      data: { values },
      encoding,
      layer,
      config: themeConfig(dark),
    };
    // vega-embed's type wants literal types ("line", not string) the object's inferred type lacks
    return { metric, spec: /** @type {import("vega-embed").VisualizationSpec} */ (spec) };
  });
}

// The experiments' lines (all series' when no checkpoint is ticked); `dashes`: the dash
// scale's domain, range and legend once the colours are used up, else null.
function experimentsLayer(lines, checkpoints, dashes) {
  const layer = { mark: lines, encoding: {} };
  if (checkpoints) layer.transform = [{ filter: "!datum.checkpoint" }];
  if (dashes) {
    const { domain, range, legend } = dashes;
    layer.encoding.strokeDash = { field: "experiment", type: "nominal", sort: null, scale: { domain, range }, legend };
  }
  return layer;
}

// The checkpoints' lines, drawn after (above) the experiments' and dashed, so the line
// under one shows through, and a diamond at each one's last step.
function checkpointLayers(lines, dark) {
  return [
    { transform: [{ filter: "datum.checkpoint" }], mark: { ...lines, strokeWidth: 2, strokeDash: CHECKPOINT_DASH } },
    {
      transform: [{ filter: "datum.checkpoint && datum.last" }],
      mark: { type: "point", ...CHECKPOINT_MARK, filled: true, opacity: 1, strokeWidth: 1 },
      encoding: { stroke: { value: dark ? "#1e1e1e" : "#ffffff" } },
    },
  ];
}

// One metric's points of every series, checkpoints after experiments (so drawn above
// them), each series' last point marked; `longest`: the most points one series has.
function metricValues(series, metric) {
  const values = [];
  let longest = 0;
  const ordered = [...series.filter((item) => !item.checkpoint), ...series.filter((item) => item.checkpoint)];
  for (const item of ordered) {
    const found = item.history?.metrics?.[metric];
    if (!found) continue;
    const steps = found.step ?? [];
    const points = found.value ?? [];
    const count = Math.min(steps.length, points.length);
    longest = Math.max(longest, count);
    for (let i = 0; i < count; i += 1) {
      const datum = { experiment: item.label, step: steps[i], value: points[i] };
      if (item.checkpoint) Object.assign(datum, { checkpoint: true, last: i === count - 1 });
      values.push(datum);
    }
  }
  return { values, longest };
}
