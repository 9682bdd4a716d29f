// Overlaid metric histories, as `dvc plots diff` draws them: one Vega-Lite line
// chart per metric, one line per selected row, x = step. Pure functions.

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

export function styleOf(index) {
  return {
    color: PALETTE[index % PALETTE.length],
    dash: DASHES[Math.floor(index / PALETTE.length) % DASHES.length],
  };
}

// The metrics any of the series has, sorted by name.
export function metricNames(series) {
  const names = new Set();
  for (const item of series) {
    for (const name of Object.keys(item.history?.metrics ?? {})) names.add(name);
  }
  return [...names].sort();
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

// The legend the charts share, one entry per series: {label, color, dash}, in
// selection order (the charts' colour and dash scales use the same order).
export function legendItems(series) {
  return series.map((item, index) => ({ label: item.label, ...styleOf(index) }));
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

// `series`: [{id, label, history: {metrics: {name: {step: [], value: []}}}}]
// in selection order. Returns [{metric, spec}], one per metric. `legend: false`
// leaves the legend out of every chart (the table draws one for all of them).
export function overlaySpecs(series, { dark = false, width = 300, height = 170, legend: withLegend = true } = {}) {
  const labels = series.map((item) => item.label);
  const styles = series.map((_, index) => styleOf(index));
  const dashed = series.length > PALETTE.length;
  return metricNames(series).map((metric) => {
    const values = [];
    let longest = 0;
    for (const item of series) {
      const found = item.history?.metrics?.[metric];
      if (!found) continue;
      const steps = found.step ?? [];
      const points = found.value ?? [];
      longest = Math.max(longest, steps.length);
      for (let i = 0; i < steps.length && i < points.length; i += 1) {
        values.push({ experiment: item.label, step: steps[i], value: points[i] });
      }
    }
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
    if (dashed) {
      encoding.strokeDash = {
        field: "experiment",
        type: "nominal",
        sort: null,
        scale: { domain: labels, range: styles.map((style) => style.dash) },
        legend,
      };
    }
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: { text: metric, anchor: "start", fontSize: 12 },
      width,
      height,
      data: { values },
      mark: {
        type: "line",
        strokeWidth: 1.6,
        point: longest <= POINTS_SHOWN_UP_TO ? { size: 16, filled: true } : false,
      },
      encoding,
      config: themeConfig(dark),
    };
    // vega-embed's type wants literal types ("line", not string) the object's inferred type lacks
    return { metric, spec: /** @type {import("vega-embed").VisualizationSpec} */ (spec) };
  });
}
