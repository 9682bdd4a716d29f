// The overlaid metric histories under the table: one Vega-Lite chart per metric
// (specs from overlay.js), drawn with vega-embed, offline (inline data only),
// under one legend for all of them. Tooltips and legend labels are written with
// textContent. The charts are drawn again when their width or the theme changes.

import embed from "vega-embed";
import { isDarkTheme, onThemeChange } from "../common/darkmode.js";
import { element } from "./dom.js";
import { dashBackground, legendItems, overlaySpecs } from "./overlay.js";

export { isDarkTheme };

const refuse = () => Promise.reject(new Error("live_nb charts load nothing: their data is inline"));

/**
 * Vega's loader for the specs these charts draw: nothing is fetched (their data is inline);
 * an image may be a base64 data URL of a picture (the final charts' images), nothing else.
 */
export const OFFLINE_LOADER = {
  load: refuse,
  http: refuse,
  file: refuse,
  sanitize: (uri) =>
    /^data:image\/(png|jpeg|gif|webp);base64,/i.test(String(uri)) ? Promise.resolve({ href: String(uri) }) : refuse(),
};

/** @type {import("vega-embed").EmbedOptions} */
export const EMBED_OPTIONS = {
  actions: { export: true, source: false, compiled: false, editor: false },
  renderer: "svg",
  // a notebook's output could name any URL: its charts reach no network
  loader: /** @type {any} */ (OFFLINE_LOADER),
};

// A Vega tooltip handler that shows the hovered point as text lines.
export function textTooltip(root) {
  let tip = null;
  return (_handler, event, _item, value) => {
    if (value === null || value === undefined || value === "") {
      if (tip) tip.hidden = true;
      return;
    }
    if (!tip) {
      tip = element("div", { className: "live-nb-table-tooltip" });
      root.appendChild(tip);
    }
    const lines =
      typeof value === "object"
        ? Object.entries(value).map(([key, item]) => `${key}: ${item}`)
        : [String(value)];
    tip.replaceChildren(...lines.map((line) => element("div", { text: line })));
    tip.hidden = false;
    tip.style.left = `${(event?.clientX ?? 0) + 12}px`;
    tip.style.top = `${(event?.clientY ?? 0) + 12}px`;
  };
}

export const CHART_WIDTH = 300; // px of a chart's plot, where there is room
const MIN_WIDTH = 140;
const AXES = 72; // px beside the plot: the y axis' labels, padding, the export menu

/** The plot width that fits `available` px (0: not laid out yet, the default width). */
export function chartWidth(available) {
  if (!available) return CHART_WIDTH;
  return Math.max(MIN_WIDTH, Math.min(CHART_WIDTH, Math.floor(available - AXES)));
}

/** A narrower chart is a little shorter, so its lines keep their slope. */
export function chartHeight(width) {
  return Math.round(Math.max(120, (170 * width) / CHART_WIDTH));
}

/** Which ticked runs have histories thinned (to their highs and lows), in one line. */
export function thinnedNote(labels) {
  const listed = labels.length > 6 ? `${labels.slice(0, 6).join(", ")} and ${labels.length - 6} more` : labels.join(", ");
  return `Long histories are thinned to each stretch's highs and lows: ${listed}.`;
}

export class ChartPanel {
  constructor(parent, { embedFn = embed } = {}) {
    this.embedFn = embedFn;
    this.root = element("div", { className: "live-nb-table-charts" });
    this.note = element("div", { className: "live-nb-table-charts-note", attrs: { role: "status" } });
    this.legend = element("div", {
      className: "live-nb-table-legend",
      attrs: { role: "list", "aria-label": "experiments" },
    });
    this.grid = element("div", { className: "live-nb-table-chart-grid" });
    this.root.append(this.note, this.legend, this.grid);
    parent.appendChild(this.root);
    this.views = [];
    this.signature = null;
    this.state = null;
    this.tooltip = textTooltip(this.root);
    // Charts as wide as the space they have (a sidebar is narrower than a notebook): drawn
    // again when that width changes.
    this.resize = globalThis.ResizeObserver
      ? new ResizeObserver(() => {
          if (this.state && chartWidth(this.root.clientWidth) !== this.width) this.render(this.state);
        })
      : null;
    this.resize?.observe(this.root);
    // Axes and text take the theme's colours when drawn: a theme switched draws them again.
    this.stopTheme = onThemeChange(() => {
      if (this.state) this.render(this.state);
    });
  }

  // state: {series: [{id, label, history|null, error}], loading, capped}
  render(state) {
    this.state = state;
    const { series, loading, capped } = state;
    const notes = [];
    if (!series.length) {
      notes.push("Tick experiments to overlay their metric histories.");
    } else if (loading) {
      notes.push("Reading metric histories…");
    }
    if (capped > 0) notes.push(`Plotting the first ${series.length} ticked rows (${capped} more not shown).`);
    for (const item of series) {
      if (item.history?.error) notes.push(`${item.label}: ${item.history.error}`);
    }
    const thinned = series.filter((item) => !item.history?.error && item.history?.downsampled);
    if (thinned.length) notes.push(thinnedNote(thinned.map((item) => item.label)));
    this.note.textContent = notes.join("\n");

    const ready = series.filter((item) => item.history);
    this.width = chartWidth(this.root.clientWidth);
    const dark = isDarkTheme();
    const signature = JSON.stringify([
      this.width,
      dark,
      ...ready.map((item) => [item.id, item.label, item.key, item.slot, Boolean(item.checkpoint)]),
    ]);
    if (signature === this.signature) return;
    this.signature = signature;
    this.clear();
    if (!ready.length) return;
    this.renderLegend(ready);
    const options = { dark, legend: false, width: this.width, height: chartHeight(this.width) };
    for (const { metric, spec } of overlaySpecs(ready, options)) {
      const box = element("div", { className: "live-nb-table-chart", attrs: { "data-metric": metric } });
      this.grid.appendChild(box);
      Promise.resolve()
        .then(() => this.embedFn(box, spec, { ...EMBED_OPTIONS, tooltip: this.tooltip }))
        .then((result) => {
          if (result && box.isConnected) this.views.push(result);
          else result?.finalize?.();
        })
        .catch((error) => {
          box.textContent = `Could not draw ${metric}: ${error?.message ?? error}`;
        });
    }
  }

  // One legend for every chart: the charts colour (and dash) the series alike.
  renderLegend(series) {
    const items = legendItems(series).map(({ label, color, dash, checkpoint }) =>
      element(
        "span",
        {
          className: "live-nb-table-legend-item",
          attrs: { role: "listitem", "data-checkpoint": checkpoint ? "true" : "false" },
        },
        [
          element("span", {
            className: "live-nb-table-swatch",
            attrs: { "aria-hidden": "true" },
            style: { background: dashBackground(color, dash) },
          }),
          checkpoint
            ? element("span", {
                className: "live-nb-table-legend-mark",
                text: "◆",
                attrs: { title: "a checkpoint: dashed, ◆ at its last step" },
                style: { color },
              })
            : null,
          element("span", { text: label }),
        ],
      ),
    );
    this.legend.replaceChildren(element("span", { className: "live-nb-table-legend-title", text: "experiment" }), ...items);
  }

  clear() {
    for (const view of this.views) view.finalize?.();
    this.views = [];
    this.grid.replaceChildren();
    this.legend.replaceChildren();
  }

  destroy() {
    this.resize?.disconnect();
    this.stopTheme();
    this.state = null;
    this.clear();
  }
}
