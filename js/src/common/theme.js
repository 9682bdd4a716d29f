// The colours and limits every live_nb view shares: one JSON file, read by the
// Python side too (live_nb/render/theme.py), bundled in here by esbuild.
import theme from "../../../live_nb/render/theme.json";

export const PALETTE = theme.palette;
export const STATUS_COLORS = theme.status_colors;
export const OTHER_STATUS_COLOR = theme.other_status_color;
export const DISPLAY_MAX_POINTS = theme.display_max_points;
// a Vega-Lite config: the JSON's strings ("start", "bold") are its enums
export const CHART_CONFIG = /** @type {import("vega-embed").Config} */ (theme.chart_config);
