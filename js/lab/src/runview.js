// A run's view: one experiment opened from the Experiments panel (its name in the table) as a
// main-area widget, read from its commit through live_nb's routes (live_nb/server/
// run_handlers.py): its charts and latest images (the server's Vega-Lite spec, drawn by the
// widgets' bundle's "run" view: the same charts as a %%live cell's final output), its params
// and metrics, its diff against its baseline, and the notebook as it was run, sanitized by
// the server and shown in a sandboxed iframe (no scripts, no same origin): read-only, never
// executed, never trusted. Everything from the server is shown as text.

import { Widget } from "@lumino/widgets";

import { messageOf } from "./model.js";

const STYLE = `
.live-nb-runview { overflow: auto; padding: 12px 16px; background: var(--jp-layout-color1);
  color: var(--jp-ui-font-color1); font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size1); }
.live-nb-runview h2 { font-size: var(--jp-ui-font-size3); margin: 0 0 4px; }
.live-nb-runview h3 { font-size: var(--jp-ui-font-size1); text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--jp-ui-font-color2); margin: 16px 0 6px; }
.live-nb-runview-meta { color: var(--jp-ui-font-color2); white-space: pre-wrap; }
.live-nb-runview-note { white-space: pre-wrap; color: var(--jp-ui-font-color2); }
.live-nb-runview-note[data-state="error"] { color: var(--jp-error-color1); }
.live-nb-runview-values { display: flex; flex-wrap: wrap; gap: 16px; }
.live-nb-runview table { border-collapse: collapse; }
.live-nb-runview td, .live-nb-runview th { border-bottom: 1px solid var(--jp-border-color2); padding: 2px 10px 2px 0;
  text-align: left; max-width: 40ch; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.live-nb-runview td.num { text-align: right; font-variant-numeric: tabular-nums; }
.live-nb-runview-changed { background: color-mix(in srgb, var(--jp-warn-color1, #f57c00) 20%, transparent); }
.live-nb-runview iframe { width: 100%; height: 75vh; border: 1px solid var(--jp-border-color2); background: #fff; }
.live-nb-runview-chart { overflow-x: auto; }
.live-nb-runview-close { display: none; float: right; }
.live-nb-runview.live-nb-runview-overlay { position: fixed; inset: 24px; z-index: 10000;
  border: 1px solid var(--jp-border-color1); box-shadow: 0 0 0 100vmax rgba(0, 0, 0, 0.3), 0 4px 24px rgba(0, 0, 0, 0.35); }
.live-nb-runview-overlay .live-nb-runview-close { display: inline-block; }
`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

/** A value as the table shows it: numbers in short, text as is, missing as "-". */
export function shown(value) {
  if (value === null || value === undefined) return "-";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** A table of `rows` (arrays of cells) under `headers`; `changed(row)` tints a row. */
export function table(headers, rows, changed = () => false) {
  const node = element("table");
  const head = element("tr");
  for (const header of headers) head.append(element("th", "", header));
  node.append(head);
  for (const row of rows) {
    const line = element("tr", changed(row) ? "live-nb-runview-changed" : "");
    for (const cell of row) {
      const td = element("td", typeof cell === "number" ? "num" : "", shown(cell));
      td.title = shown(cell);
      line.append(td);
    }
    node.append(line);
  }
  return node;
}

/** The rows of a diff frame that changed (old and new differ). */
export function changedRows(records) {
  return records.filter((row) => JSON.stringify(row.old) !== JSON.stringify(row.new));
}

export class RunView extends Widget {
  /**
   * @param {{ client: any, path: string, id: string, name?: string,
   *   loadBundle: () => Promise<any> }} options
   */
  constructor({ client, path, id, name, loadBundle }) {
    super();
    this.client = client;
    this.path = path;
    this.runId = id;
    this.loadBundle = loadBundle;
    this.id = `live-nb-run-${hashOf(`${path}\n${id}`)}`;
    this.title.label = name ?? "Run";
    this.title.caption = `Experiment ${name ?? id} (read from its commit)`;
    this.title.closable = true;
    this.addClass("live-nb-runview");
    this.cleanup = null;
    const style = element("style");
    style.textContent = STYLE;
    this.close = element("button", "jp-Button live-nb-runview-close", "Close");
    this.close.type = "button";
    this.close.addEventListener("click", () => this.dispose());
    this.heading = element("h2", "", name ?? "");
    this.meta = element("div", "live-nb-runview-meta");
    this.note = element("div", "live-nb-runview-note");
    this.note.setAttribute("role", "status");
    this.body = element("div");
    this.node.append(style, this.close, this.heading, this.meta, this.note, this.body);
    this.say("info", "Reading the run from its commit…");
    void this.load();
  }

  say(state, text) {
    this.note.dataset.state = state;
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  /** Read the run and show it (again, when the view is refreshed). */
  async load() {
    const answer = await this.client.get("run", this.path, { id: this.runId }).catch((error) => ({
      ok: false,
      status: 0,
      data: { message: `Could not reach the Jupyter server: ${error?.message ?? error}` },
    }));
    if (this.isDisposed) return;
    if (!answer.ok) {
      this.say("error", messageOf(answer));
      return;
    }
    const run = answer.data;
    this.title.label = run.name;
    this.heading.textContent = run.name;
    this.meta.textContent = `commit ${run.commit.slice(0, 7)} · baseline ${run.baseline.slice(0, 7)}\n${run.message}`;
    const notes = [];
    if (run.downsampled) notes.push("Long histories are thinned to their highs and lows.");
    if (run.images_skipped) notes.push(`${run.images_skipped} image(s) left out (too large or too many).`);
    this.say("info", notes.join("\n"));
    this.body.replaceChildren(...this.sections(run));
    await this.drawCharts(run.spec);
    if (run.notebook) await this.showNotebook();
  }

  sections(run) {
    this.charts = element("div", "live-nb-runview-chart");
    this.charts.setAttribute("data-role", "charts");
    const values = element("div", "live-nb-runview-values");
    values.append(
      box("Params", table(["param", "value"], run.params)),
      box("Metrics", table(["metric", "value"], run.metrics)),
    );
    const diff = element("div");
    diff.setAttribute("data-role", "diff");
    const { metrics, params, files } = run.diff;
    const changed = [...changedRows(metrics), ...changedRows(params)];
    diff.append(element("h3", "", `Diff against its baseline (${run.diff.old})`));
    if (!changed.length && !files.length) diff.append(element("div", "live-nb-runview-meta", "Nothing differs."));
    if (changed.length) {
      const rows = changed.map((row) => [row.path, row.key, row.old, row.new, row.change]);
      diff.append(table(["file", "name", run.diff.old, run.name, "change"], rows));
    }
    if (files.length) {
      diff.append(element("h3", "", "Files"), table(["", "path"], files));
    }
    this.notebook = element("div");
    this.notebook.setAttribute("data-role", "notebook");
    const place = run.notebook
      ? `${run.notebook.path} (${run.notebook.kind === "executed" ? "the execution record: the cells as they ran" : "the notebook committed with the run"}), read-only`
      : "This run holds no notebook.";
    this.notebook.append(element("h3", "", "Notebook as it was run"), element("div", "live-nb-runview-meta", place));
    return [element("h3", "", "Charts"), this.charts, values, diff, this.notebook];
  }

  async drawCharts(spec) {
    const bundle = await this.loadBundle();
    if (!bundle || this.isDisposed) return;
    this.cleanup?.();
    const model = { get: (name) => ({ view: "run", spec })[name], on() {}, off() {} };
    this.cleanup = bundle.default.render({ model, el: this.charts }) ?? null;
  }

  async showNotebook() {
    const answer = await this.client.get("run/notebook", this.path, { id: this.runId });
    if (this.isDisposed) return;
    if (!answer.ok) {
      this.notebook.append(element("div", "live-nb-runview-note", messageOf(answer)));
      return;
    }
    const frame = document.createElement("iframe");
    frame.setAttribute("sandbox", ""); // no scripts, no forms, no same origin: a picture of it
    frame.setAttribute("referrerpolicy", "no-referrer");
    frame.title = `${answer.data.path}, read-only`;
    frame.srcdoc = answer.data.html;
    this.notebook.append(frame);
  }

  dispose() {
    if (this.isDisposed) return;
    this.cleanup?.();
    super.dispose();
  }
}

/** The view over the page, closed by its Close button or Escape, where the shell has no room. */
function overlay(view) {
  view.addClass("live-nb-runview-overlay");
  Widget.attach(view, document.body);
  const onKey = (event) => {
    if (event.key === "Escape") view.dispose();
  };
  document.addEventListener("keydown", onKey);
  view.disposed.connect(() => document.removeEventListener("keydown", onKey));
}

function box(title, content) {
  const node = element("div");
  node.append(element("h3", "", title), content);
  return node;
}

function hashOf(text) {
  let hash = 5381;
  for (let i = 0; i < text.length; i += 1) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
  return hash.toString(36);
}

/**
 * What the panel calls to open a run: its view, made once per run and brought to the front.
 * @param {any} app the JupyterLab (or Notebook 7) application
 */
export function runOpener(app) {
  const open = new Map();
  return ({ client, path, id, name, loadBundle }) => {
    let view = open.get(`${path}\n${id}`);
    if (!view || view.isDisposed) {
      view = new RunView({ client, path, id, name, loadBundle });
      open.set(`${path}\n${id}`, view);
      app.shell.add(view, "main");
      if (!view.isAttached) overlay(view); // Notebook 7's main area holds its one document
    } else {
      void view.load();
    }
    app.shell.activateById(view.id);
    return view;
  };
}
