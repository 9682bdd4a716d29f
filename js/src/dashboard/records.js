// The records of a plot file. The charts' specs come from the Python side
// (live_nb/render/vegalite.py), with each metric and plot: this bundle only
// embeds them and feeds their data sources.

/** The records a plot file holds: custom plots and confusion matrices are lists; other sklearn plots are { kind: [...] }. */
export function plotRecords(data) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === "object") {
    const first = Object.values(data).find(Array.isArray);
    if (first) return first;
  }
  return [];
}
