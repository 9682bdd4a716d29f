// A final-charts spec (live_nb/render/vegalite.py's `vegalite`: sections of charts in rows
// of `live_nb_columns`) fitted to the width its page gives it. The spec itself can only
// guess the width from the window's (it has no better measure where JupyterLab's own
// renderer draws it); here the width is measured, so as many charts go in a row as fit,
// and a chart narrower than its 260 px when even one does not. Pure functions.

export const COLUMNS_PARAM = "live_nb_columns"; // vegalite.py's COLUMNS_PARAM
const PLOT = 260; // px of a chart's plot in the spec (vegalite.py's metric_spec)
const BESIDE = 100; // px beside a plot: the y axis, its title, padding (95 measured)
const SPACING = 20; // px between two charts of a row (Vega-Lite's concat spacing)
const NICE = 200; // px: the narrowest plot worth sharing a row for
const MAX_COLUMNS = 3;
const MIN_PLOT = 80;

// The plot width of each of `columns` charts in a row of `available` px.
function plotIn(available, columns) {
  return Math.floor((available - (columns - 1) * SPACING) / columns) - BESIDE;
}

/** How many charts fit in a row of `available` px (each plot at least NICE), and each plot's width. */
export function layoutFor(available) {
  let columns = 1;
  while (columns < MAX_COLUMNS && plotIn(available, columns + 1) >= NICE) columns += 1;
  return { columns, width: Math.max(MIN_PLOT, Math.min(PLOT, plotIn(available, columns))) };
}

/** A copy of `spec` laid out for `available` px (unchanged when it is no such spec, or 0 px). */
export function fitSpec(spec, available) {
  if (!available || !Array.isArray(spec?.vconcat) || !hasColumnsParam(spec)) return spec;
  const { columns, width } = layoutFor(available);
  const params = spec.params.map((param) =>
    param.name === COLUMNS_PARAM ? { name: COLUMNS_PARAM, value: columns } : param,
  );
  const vconcat = spec.vconcat.map((section) =>
    Array.isArray(section.concat) ? { ...section, concat: section.concat.map((chart) => narrowed(chart, width)) } : section,
  );
  const title = spec.title && typeof spec.title === "object" ? { ...spec.title, limit: Math.max(100, available - 40) } : spec.title;
  return { ...spec, params, vconcat, title };
}

function hasColumnsParam(spec) {
  return Array.isArray(spec.params) && spec.params.some((param) => param?.name === COLUMNS_PARAM);
}

// A chart wider than `width` made that wide; an image keeps its size (at most 320 px).
function narrowed(chart, width) {
  if (typeof chart?.width !== "number" || chart.width <= width || chart.mark?.type === "image") return chart;
  const scaled = { ...chart, width };
  if (typeof chart.height === "number") scaled.height = Math.max(90, Math.round((chart.height * width) / chart.width));
  if (chart.title && typeof chart.title === "object") scaled.title = { ...chart.title, limit: width + 40 };
  return scaled;
}
