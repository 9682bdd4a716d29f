// The panel's note editor: with exactly one experiment ticked in the table, a text box holding
// its note (the table's Notes column) and a Save button that posts it (live-nb/api/note; an
// empty note removes it). The note is kept as a Git note under refs/notes/live-nb.

import { StatusLine } from "../../src/common/status.js";

export const MAX_NOTE = 2000;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The ticked experiment's {id, name, note}, or null unless exactly one experiment is ticked. */
export function notedExperiment(model) {
  const ids = model.get("selection") ?? [];
  const rows = model.get("rows") ?? [];
  const columns = model.get("columns") ?? [];
  // a queue's run (row.queue) has no experiment ref to hang a note on yet
  const ticked = rows.filter((row) => row.kind === "experiment" && !row.queue && ids.includes(row.id));
  if (ticked.length !== 1 || ids.length !== 1) return null;
  const at = (name) => columns.findIndex((column) => column.name === name);
  const [row] = ticked;
  const note = at("Notes") >= 0 ? row.values[at("Notes")] : null;
  return { id: row.id, name: String(row.values[at("Experiment")] ?? ""), note: note ?? "" };
}

export class NoteEditor {
  /**
   * @param {any} model the table's PanelModel
   * @param {(id: string, text: string) => Promise<{ ok: boolean, status: number, data: any }>} save
   * @param {() => Promise<unknown>} reload
   * @param {import("../../src/common/status.js").StatusGroup | null} [group] the panel's status lines
   */
  constructor(model, save, reload, group = null) {
    this.model = model;
    this.save = save;
    this.reload = reload;
    this.node = element("div", "live-nb-panel-notebox");
    this.node.hidden = true;
    this.label = element("label", "live-nb-panel-notelabel");
    this.input = element("input");
    this.input.type = "text";
    this.input.maxLength = MAX_NOTE;
    this.input.placeholder = "A note on this run (kept in Git)";
    this.label.htmlFor = this.input.id = `live-nb-note-${Math.random().toString(36).slice(2)}`;
    this.button = element("button", "jp-mod-styled", "Save note");
    this.status = element("div", "live-nb-panel-notestatus");
    this.statusLine = new StatusLine(this.status, { group });
    this.status.setAttribute("role", "status");
    const line = element("div", "live-nb-panel-noteline");
    line.append(this.input, this.button);
    this.node.append(this.label, line, this.status);
    this.button.addEventListener("click", () => void this.submit());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") void this.submit();
    });
    this.current = null;
    this.update = () => this.refresh();
    model.on("change:selection", this.update);
    model.on("change:rows", this.update);
  }

  refresh() {
    const found = notedExperiment(this.model);
    this.node.hidden = found === null;
    if (found === null) {
      this.current = null;
      return;
    }
    const changedRow = this.current?.id !== found.id;
    if (changedRow || (document.activeElement !== this.input && this.current?.note !== found.note)) {
      this.input.value = found.note;
      if (changedRow) this.statusLine.clear();
    }
    this.label.textContent = `Note on ${found.name}`;
    this.current = found;
  }

  async submit() {
    if (this.current === null) return;
    this.button.disabled = true;
    try {
      const answer = await this.save(this.current.id, this.input.value);
      this.statusLine.say(answer.ok ? "ok" : "error", String(answer.data?.message ?? `The server answered ${answer.status}.`));
      if (answer.ok) await this.reload();
    } catch (error) {
      this.statusLine.say("error", `The request failed: ${error?.message ?? error}`);
    } finally {
      this.button.disabled = false;
    }
  }

  dispose() {
    this.statusLine.dispose();
    this.model.off("change:selection", this.update);
    this.model.off("change:rows", this.update);
  }
}
