// The live view of `%exp_run`: a row per run (name, status, params, step, latest metrics,
// elapsed time) and a stop button for those still queued or running.
//
// Three columns (the name over its params; status, elapsed time and the stop button; the
// step over one metric a line), so that the table fits the 360 px of an output area in an
// 800 px window with the file browser open.
//
// Traits (live_nb/widgets/runs.py): `rows`, a list of {id, name, target, params, status,
// step, metrics, elapsed, experiment, error, restored_from}; `note`, a line under the table.
// Message to Python: {kind: "kill", id}. Every value is shown as text.
import { h, setText } from "../common/dom.js";
import { formatElapsed, formatValue } from "../common/format.js";
import { OTHER_STATUS_COLOR, STATUS_COLORS } from "../common/theme.js";
import { sparkline } from "./sparkline.js";

// The sparklines' colours, one per metric in turn: the theme's brand, warning, success and
// accent colours (JupyterLab's variables, so a dark theme has its own), defined in STYLE.
const SPARK_COLORS = 4;

const MAX_METRICS = 4;
const STOPPABLE = new Set(["queued", "running"]);
const COLORS = { ...STATUS_COLORS, failed: STATUS_COLORS.error, killed: STATUS_COLORS.interrupted, cached: STATUS_COLORS.done };
const HEADERS = ["Run", "Status", "Latest"];

/** A run's metrics as `name=value` items: up to four, the rest counted. */
export function metricsParts(metrics) {
  const entries = Object.entries(metrics ?? {});
  const shown = entries.slice(0, MAX_METRICS).map(([key, value]) => `${key}=${formatValue(value, 24)}`);
  if (entries.length > MAX_METRICS) shown.push(`+${entries.length - MAX_METRICS} more`);
  return shown;
}

/** The text of a run's metrics cell. */
export function metricsText(metrics) {
  return metricsParts(metrics).join("  ");
}

/** What the status cell says: the status, and where a result came from or why it failed. */
export function statusDetail(row) {
  if (row.status === "cached" && row.restored_from) return `same inputs as ${row.restored_from}`;
  if ((row.status === "failed" || row.status === "killed") && row.error) return row.error;
  if (row.experiment && row.experiment !== row.name) return `saved as ${row.experiment}`;
  return "";
}

/**
 * One run's row, built once and updated in place: its stop button stays the same element
 * across the twice-a-second refreshes, so that a click is never lost to a redraw.
 */
class RunRow {
  constructor(id, send) {
    this.current = null;
    this.name = h("td", { className: "live-nb-runs-name" });
    this.statusText = h("span", { className: "live-nb-runs-status" });
    this.elapsed = h("span", { className: "live-nb-runs-elapsed", title: "elapsed" });
    this.button = h("button", { on: { click: () => send({ kind: "kill", id }) } });
    this.detail = h("div", { className: "live-nb-runs-detail" });
    const status = h("td", { className: "live-nb-runs-state" }, this.statusText, this.elapsed, h("div", {}, this.button), this.detail);
    this.latest = h("td", { className: "live-nb-runs-latest" });
    this.tr = h("tr", {}, this.name, status, this.latest);
  }

  update(row) {
    const key = JSON.stringify(row);
    if (key === this.current) return;
    this.current = key;
    this.tr.dataset.status = row.status;
    this.name.title = row.target ?? "";
    this.name.replaceChildren(h("div", { text: row.name }), row.params ? h("div", { className: "live-nb-runs-params", text: row.params }) : "");
    setText(this.statusText, row.status);
    this.statusText.style.color = COLORS[row.status] ?? OTHER_STATUS_COLOR;
    const elapsed = row.elapsed === null || row.elapsed === undefined ? "" : ` ${formatElapsed(row.elapsed)}`;
    setText(this.elapsed, elapsed);
    this.updateButton(row.status);
    const detail = statusDetail(row);
    setText(this.detail, detail);
    this.detail.title = detail;
    this.detail.hidden = !detail;
    const step = row.step === null || row.step === undefined ? [] : [h("div", { className: "live-nb-runs-step", text: `step ${row.step}` })];
    const names = Object.keys(row.metrics ?? {});
    const metrics = metricsParts(row.metrics).map((part, i) => {
      const values = row.sparklines?.[names[i]];
      const spark = values ? sparkline(values, `${names[i]}: its last ${values.length} values`) : null;
      spark?.setAttribute("data-series", String(i % SPARK_COLORS)); // each metric its own colour
      return h("div", { className: "live-nb-runs-metric" }, spark, part);
    });
    this.latest.replaceChildren(...step, ...metrics);
  }

  updateButton(status) {
    const queued = status === "queued";
    this.button.hidden = !STOPPABLE.has(status);
    this.button.parentElement.hidden = this.button.hidden;
    setText(this.button, queued ? "Cancel" : "Stop");
    this.button.title = queued ? "Take this run off the queue" : "Interrupt this run; what it logged is saved";
  }
}

export class RunsView {
  constructor(model, el) {
    this.model = model;
    this.rows = new Map(); // run id -> RunRow
    this.body = h("tbody");
    this.note = h("div", { className: "live-nb-runs-note" });
    const head = h("thead", {}, h("tr", {}, HEADERS.map((text) => h("th", { text }))));
    el.classList.add("live-nb-runs");
    el.append(style(), h("table", {}, head, this.body), this.note);
    this.update = () => this.render();
    model.on("change:rows", this.update);
    model.on("change:note", this.update);
    this.render();
  }

  render() {
    const rows = this.model.get("rows") ?? [];
    const shown = rows.map((row) => {
      let view = this.rows.get(row.id);
      if (!view) {
        view = new RunRow(row.id, (message) => this.model.send(message));
        this.rows.set(row.id, view);
      }
      view.update(row);
      return view.tr;
    });
    const changed = shown.length !== this.body.children.length || shown.some((tr, i) => this.body.children[i] !== tr);
    if (changed) this.body.replaceChildren(...shown);
    setText(this.note, this.model.get("note") ?? "");
  }

  destroy() {
    this.model.off("change:rows", this.update);
    this.model.off("change:note", this.update);
  }
}

function style() {
  return h("style", {
    text: `
.live-nb-runs { font: 13px var(--jp-ui-font-family, system-ui, sans-serif); color: var(--jp-ui-font-color1, #222); max-width: 100%; overflow-x: auto; }
.live-nb-runs table { border-collapse: collapse; width: 100%; }
.live-nb-runs th { text-align: left; font-weight: 600; border-bottom: 1px solid var(--jp-border-color1, #ccc); padding: 3px 10px 3px 0; white-space: nowrap; }
.live-nb-runs td { padding: 4px 12px 4px 0; vertical-align: top; border-bottom: 1px solid var(--jp-border-color3, #eee); }
.live-nb-runs-name > div:first-child { font-weight: 600; white-space: nowrap; }
.live-nb-runs-params, .live-nb-runs-latest { font-family: var(--jp-code-font-family, monospace); font-size: 12px; overflow-wrap: anywhere; }
.live-nb-runs-params, .live-nb-runs-step { color: var(--jp-ui-font-color2, #666); }
.live-nb-runs-state { white-space: nowrap; width: 1%; }
.live-nb-runs-name { width: 1%; }
.live-nb-runs-status { font-weight: 600; }
.live-nb-runs-elapsed { color: var(--jp-ui-font-color2, #666); font-variant-numeric: tabular-nums; }
.live-nb-runs-detail { color: var(--jp-ui-font-color2, #666); font-size: 12px; white-space: normal; max-width: 16em; }
.live-nb-runs button { font-size: 11px; cursor: pointer; margin-top: 2px; padding: 0 6px; }
.live-nb-runs-spark { vertical-align: middle; margin-right: 4px; color: var(--jp-brand-color1, #1976d2); }
.live-nb-runs-spark[data-series="1"] { color: var(--jp-warn-color1, #f57c00); }
.live-nb-runs-spark[data-series="2"] { color: var(--jp-success-color1, #388e3c); }
.live-nb-runs-spark[data-series="3"] { color: var(--jp-accent-color1, #7b1fa2); }
.live-nb-runs-note { color: var(--jp-ui-font-color2, #666); font-size: 12px; margin-top: 4px; }
`,
  });
}

export default {
  render({ model, el }) {
    const view = new RunsView(model, el);
    return () => view.destroy();
  },
};
