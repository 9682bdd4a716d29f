// The Vega-Lite specs the Python side builds (live_nb/render/vegalite.py), as
// tests/test_chart_specs.py writes them into fixtures/specs.json: the views
// under test draw exactly what a real run sends.
import specs from "../fixtures/specs.json";

export const METRIC_SPEC = specs.metric;
export const TITLED_METRIC_SPEC = specs.metric_titled;

/** The spec of a plot with this dvc.yaml config (one of tests/test_chart_specs.py's PLOT_CONFIGS). */
export function plotSpecFor(config) {
  const key = JSON.stringify(config);
  const found = specs.plots.find((plot) => JSON.stringify(plot.config) === key);
  if (!found) throw new Error(`no fixture spec for ${key}: add it to PLOT_CONFIGS in tests/test_chart_specs.py`);
  return found.spec;
}

/** A message as the Python side sends it: with the spec of each series and configured plot. */
export function withSpecs(message) {
  const metrics = Object.fromEntries((message.series ?? []).map((entry) => [entry.name, METRIC_SPEC]));
  const plots = Object.fromEntries(
    (message.plots ?? []).filter((entry) => entry.config).map((entry) => [entry.name, plotSpecFor(entry.config)]),
  );
  return { ...message, specs: { metrics, plots, ...message.specs } };
}
