// The Experiments panel: a Lumino widget in the left sidebar showing the experiments table of
// the folder it follows (the active document's, or the file browser's). The table is the one
// %exp_show shows: the widgets' bundle (live_nb/static/widget.js, served by the server
// extension) is loaded once, when the panel first has a table to show, and its table view is
// rendered with a PanelModel (model.js) in place of a widget model. While the panel is visible
// it asks for the table every POLL_MS with the last ETag; the server answers 304 when nothing
// the table depends on changed. Everything from the server is shown as text.

import { Widget } from "@lumino/widgets";

import { STATUS_STYLE, StatusGroup } from "../../src/common/status.js";
import { makeClient } from "./client.js";
import { LaunchForm } from "./launch.js";
import { messageOf, PanelModel } from "./model.js";
import { NoteEditor } from "./note.js";
import { RunsModel } from "./running.js";

export const POLL_MS = 3000;
export const RUNNING_POLL_MS = 1500;

const STYLE = `${STATUS_STYLE}
.live-nb-panel { display: flex; flex-direction: column; overflow: auto; padding: 6px 8px;
  background: var(--jp-layout-color1); color: var(--jp-ui-font-color1);
  font-size: var(--jp-ui-font-size1); font-family: var(--jp-ui-font-family); }
.live-nb-panel-head { display: flex; align-items: baseline; gap: 8px; margin-bottom: 6px; }
.live-nb-panel-title { font-weight: 600; text-transform: uppercase; letter-spacing: 0.04em;
  font-size: var(--jp-ui-font-size0); color: var(--jp-ui-font-color2); }
.live-nb-panel-where { overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  color: var(--jp-ui-font-color2); }
.live-nb-panel-note { padding: 8px; border: 1px solid var(--jp-border-color2); border-radius: 2px;
  background: var(--jp-layout-color2); line-height: 1.4; white-space: pre-wrap; }
.live-nb-panel-note[data-state="error"] { border-color: var(--jp-error-color1); }
.live-nb-panel .live-nb-table-scroll { max-height: calc(100vh - 220px); }
.live-nb-panel-running { margin-bottom: 10px; }
.live-nb-panel-notebox { margin: 6px 0; }
.live-nb-panel-notebox[hidden] { display: none; }
.live-nb-panel-notelabel { display: block; font-weight: 600; margin-bottom: 2px; overflow: hidden;
  text-overflow: ellipsis; white-space: nowrap; }
.live-nb-panel-noteline { display: flex; gap: 4px; }
.live-nb-panel-noteline input { flex: 1; min-width: 0; }
.live-nb-panel-notestatus { color: var(--jp-ui-font-color2); font-size: var(--jp-ui-font-size0); }
.live-nb-panel-notestatus[data-state="error"] { color: var(--jp-error-color1); }
.live-nb-panel .live-nb-runs thead { display: none; }
.live-nb-panel .live-nb-runs tr { display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 8px;
  border-bottom: 1px solid var(--jp-border-color3); padding: 3px 0; }
.live-nb-panel .live-nb-runs td { display: block; border: none; padding: 0; width: auto; min-width: 0; }
.live-nb-panel .live-nb-runs-state { text-align: right; }
.live-nb-panel .live-nb-runs-latest { grid-column: 1 / -1; }
.live-nb-panel .live-nb-runs-params, .live-nb-panel .live-nb-runs-metric, .live-nb-panel .live-nb-runs-name > div {
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; overflow-wrap: normal; }
.live-nb-panel .live-nb-runs-step { display: inline-block; margin-right: 6px; }
.live-nb-panel-running[hidden] { display: none; }
.live-nb-panel-section { font-weight: 600; font-size: var(--jp-ui-font-size0); text-transform: uppercase;
  letter-spacing: 0.04em; color: var(--jp-ui-font-color2); margin: 2px 0 4px; }
`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

export class ExperimentsPanel extends Widget {
  /**
   * @param {{ baseUrl: string, request: (url: string, init: RequestInit) => Promise<Response>,
   *   openFiles: () => string[], isDirty?: (path: string) => boolean,
   *   openRun?: (run: object) => unknown }} options
   */
  constructor({ baseUrl, request, openFiles, isDirty, openRun }) {
    super();
    this.id = "live-nb-experiments";
    this.addClass("live-nb-panel");
    this.title.caption = "Experiments (live_nb)";
    this.client = makeClient(baseUrl, request);
    this.openFiles = openFiles;
    this.path = null; // the folder (or file) followed, relative to the server's root
    this.etag = null;
    this.reading = null;
    this.view = null; // the table view's cleanup function, once rendered
    this.model = new PanelModel({
      histories: (ids) => this.client.histories(this.path ?? "", ids),
      act: (action, body) => this.client.act(this.path ?? "", action, body),
      reload: () => this.read(true),
      keep: () => this.openFiles(),
    });
    if (openRun) this.model.open = (id) => openRun(this.runOf(id)); // runview.js: a run's view
    this.statusGroup = new StatusGroup(); // the sections' messages replace each other
    this.model.statusGroup = this.statusGroup; // the table view's line joins it

    const style = element("style");
    style.textContent = STYLE;
    this.where = element("span", "live-nb-panel-where");
    const head = element("div", "live-nb-panel-head");
    head.append(element("span", "live-nb-panel-title", "Experiments"), this.where);
    this.note = element("div", "live-nb-panel-note");
    this.note.setAttribute("role", "status");
    this.host = element("div", "live-nb-panel-table");
    this.runs = new RunsModel((id) => this.client.act(this.path ?? "", "running/stop", { id }));
    this.runsEtag = null;
    this.runsView = null;
    this.running = element("section", "live-nb-panel-running");
    this.running.setAttribute("aria-label", "Now running");
    this.running.hidden = true;
    this.runsHost = element("div");
    this.running.append(element("div", "live-nb-panel-section", "Now running"), this.runsHost);
    this.noteEditor = new NoteEditor(
      this.model,
      (id, text) => this.client.act(this.path ?? "", "note", { id, text }),
      () => this.read(true),
      this.statusGroup,
    );
    this.launch = new LaunchForm(this.client, () => this.isVisible, isDirty, this.statusGroup);
    this.node.append(style, head, this.note, this.running, this.launch.node, this.noteEditor.node, this.host);
    this.say("info", "Open a notebook or a folder to see the experiments of its Git repository.");
    this.timer = setInterval(() => this.poll(), POLL_MS);
    this.runsTimer = setInterval(() => this.pollRunning(), RUNNING_POLL_MS);
    this.tickTimer = setInterval(() => {
      if (!this.running.hidden) this.runs.tick();
    }, 1000);
  }

  pollRunning() {
    if (this.isVisible && !document.hidden && this.path !== null) void this.readRunning();
  }

  /** Ask for the live runs (with the last ETag) and show them; hidden when there are none. */
  async readRunning() {
    if (this.readingRuns) return;
    const path = this.path;
    this.readingRuns = true;
    try {
      const answer = await this.client.running(path ?? "", this.runsEtag);
      if (path !== this.path || answer.status === 304) return;
      this.runsEtag = answer.ok ? answer.etag : null;
      const rows = answer.ok ? (answer.data?.runs ?? []) : [];
      this.runs.setRows(rows);
      this.running.hidden = rows.length === 0;
      if (rows.length && !this.runsView) {
        const bundle = await this.loadBundle();
        if (bundle && !this.runsView && !this.isDisposed) {
          this.runsView = bundle.default.render({ model: this.runs, el: this.runsHost }) ?? (() => {});
        }
      }
    } catch {
      // the experiments' read says when the server cannot be reached
    } finally {
      this.readingRuns = false;
    }
  }

  /** The widgets' bundle, imported once (null, with the error shown, when it cannot be). */
  async loadBundle() {
    this.bundle ??= import(/* webpackIgnore: true */ this.client.bundleUrl);
    try {
      return await this.bundle;
    } catch (error) {
      this.bundle = null;
      this.say("error", `Could not load live_nb's table (${this.client.bundleUrl}): ${error?.message ?? error}`);
      return null;
    }
  }

  /** Follow the folder of `path` (a file's or folder's path relative to the server's root). */
  follow(path) {
    if (path === this.path) return;
    this.path = path;
    this.etag = null;
    this.runsEtag = null;
    this.model.set("selection", []);
    this.launch.follow(path);
    void this.read(true);
    void this.readRunning();
  }

  onAfterShow() {
    void this.read(false);
    void this.readRunning();
  }

  poll() {
    if (this.isVisible && !document.hidden && this.path !== null) void this.read(false);
  }

  /**
   * Ask for the table (with the last ETag unless `fresh`); resolves to {rows} when a table
   * was read, null otherwise.
   */
  async read(fresh) {
    if (this.path === null) return null;
    if (this.reading && !fresh) return this.reading;
    const path = this.path;
    const reading = this.client
      .table(path, fresh ? null : this.etag)
      .then((answer) => (path === this.path ? this.display(answer) : null))
      .catch((error) => {
        this.say("error", `Could not reach the Jupyter server: ${error?.message ?? error}`);
        return null;
      });
    this.reading = reading;
    try {
      return await reading;
    } finally {
      if (this.reading === reading) this.reading = null;
    }
  }

  async display(answer) {
    if (answer.status === 304) return { rows: this.model.get("rows").length };
    this.etag = answer.ok ? answer.etag : null;
    if (!answer.ok) {
      this.where.textContent = this.path || "/";
      this.say("error", messageOf(answer));
      this.host.hidden = true;
      return null;
    }
    const table = answer.data;
    this.where.textContent = table.name ?? "";
    this.where.title =
      table.repository === undefined
        ? `Folder: /${table.folder}`
        : `Git repository: /${table.repository} (paths from the folder Jupyter serves)`;
    if (table.state !== "ready") {
      this.say("info", table.message);
      this.host.hidden = true;
      this.model.setTable([], []);
      return null;
    }
    const notes = table.warnings ?? [];
    if (table.experiments === 0) notes.unshift("No experiments yet: run a %%live cell to save one.");
    this.say("info", notes.join("\n"));
    this.model.setTable(table.columns, table.rows);
    this.host.hidden = false;
    await this.renderTable();
    return { rows: table.rows.length };
  }

  async renderTable() {
    if (this.view) return;
    const bundle = await this.loadBundle();
    if (!bundle || this.view || this.isDisposed) return;
    this.view = bundle.default.render({ model: this.model, el: this.host }) ?? (() => {});
  }

  /** What a run's view needs: the client, the folder followed, the row's id and name. */
  runOf(id) {
    const columns = this.model.get("columns");
    const column = columns.findIndex((item) => item.name === "Experiment");
    const row = this.model.get("rows").find((item) => item.id === id);
    const name = row && column >= 0 ? String(row.values[column]) : undefined;
    return { client: this.client, path: this.path ?? "", id, name, loadBundle: () => this.loadBundle() };
  }

  say(state, text) {
    this.note.dataset.state = state;
    this.note.textContent = text;
    this.note.hidden = !text;
  }

  dispose() {
    if (this.isDisposed) return;
    clearInterval(this.timer);
    clearInterval(this.runsTimer);
    clearInterval(this.tickTimer);
    this.view?.();
    this.runsView?.();
    this.noteEditor.dispose();
    this.launch.dispose();
    super.dispose();
  }
}
