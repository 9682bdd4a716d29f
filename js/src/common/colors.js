// Colours shared by live_nb's views (dashboard, experiments table, report).

/** Tableau 10, Vega's default categorical scheme. */
export const PALETTE = [
  "#4c78a8",
  "#f58518",
  "#e45756",
  "#72b7b2",
  "#54a24b",
  "#eeca3b",
  "#b279a2",
  "#ff9da6",
  "#9d755d",
  "#bab0ac",
];

export function colorAt(index) {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A stable colour for a name (same name, same colour, in every view). */
export function colorFor(name) {
  let hash = 0;
  for (const char of String(name)) hash = (hash * 31 + char.codePointAt(0)) | 0;
  return colorAt(Math.abs(hash));
}

export const STATUS_COLORS = {
  running: "#1f77b4",
  done: "#2ca02c",
  error: "#d62728",
  interrupted: "#ff7f0e",
};

export function statusColor(status) {
  return STATUS_COLORS[status] ?? "#7f7f7f";
}
