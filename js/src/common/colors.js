// Colours shared by live_nb's views (dashboard, experiments table, report).

import { OTHER_STATUS_COLOR, PALETTE, STATUS_COLORS } from "./theme.js";

export { PALETTE, STATUS_COLORS };

export function colorAt(index) {
  return PALETTE[((index % PALETTE.length) + PALETTE.length) % PALETTE.length];
}

/** A stable colour for a name (same name, same colour, in every view). */
export function colorFor(name) {
  let hash = 0;
  for (const char of String(name)) hash = (hash * 31 + char.codePointAt(0)) | 0;
  return colorAt(Math.abs(hash));
}

export function statusColor(status) {
  return STATUS_COLORS[status] ?? OTHER_STATUS_COLOR;
}
