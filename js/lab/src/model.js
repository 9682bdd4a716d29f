// A model for the table view (js/src/table) outside a kernel: the part of anywidget's model
// interface (get/set/on/off/save_changes/send) that the view uses, backed by the sidebar's
// HTTP routes instead of a widget comm. The view is the one %exp_show shows; this file only
// answers the messages it sends (live_nb/widgets/table.py documents them), through `api`:
//
//   history  -> GET  live-nb/api/histories  -> {type: "history", request, histories}
//   apply, branch, remove, push, star -> POST live-nb/api/<action> -> {type: "result", request, action,
//              ok, message, error_kind}; on success the table is read again first
//   refresh  -> the table read again        -> {type: "result", ...}

/** @typedef {{ ok: boolean, status: number, data: any }} Answer */
/**
 * @typedef {object} Api
 * @property {(ids: string[]) => Promise<Answer>} histories
 * @property {(action: string, body: object) => Promise<Answer>} act
 * @property {() => Promise<{ rows: number } | null>} reload the table read again (null: failed)
 * @property {() => string[]} keep the files apply must leave alone (open documents)
 */

// the error kinds the table view acts on: a backup offer; the branch name box kept open
const VIEW_KINDS = new Set(["uncommitted", "branch_name"]);

export const INITIAL_STATE = Object.freeze({
  view: "table",
  columns: [],
  rows: [],
  sort_by: "",
  sort_order: "asc",
  filter_text: "",
  hide_unchanged: false,
  selection: [],
});

export class PanelModel {
  /** @param {Api} api */
  constructor(api) {
    this.api = api;
    this.state = { ...INITIAL_STATE };
    /** @type {Map<string, Set<Function>>} */
    this.handlers = new Map();
  }

  get(name) {
    return this.state[name];
  }

  set(name, value) {
    const old = this.state[name];
    this.state[name] = value;
    if (old !== value) this.emit(`change:${name}`, value);
  }

  /** New table data: columns and rows replaced, one change event each. */
  setTable(columns, rows) {
    this.set("columns", columns);
    this.set("rows", rows);
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
  }

  off(event, handler) {
    this.handlers.get(event)?.delete(handler);
  }

  emit(event, ...args) {
    for (const handler of [...(this.handlers.get(event) ?? [])]) handler(...args);
  }

  save_changes() {
    // The view's state (sort, filter, selection) lives in this model only.
  }

  send(content) {
    this.answer(content).then(
      (reply) => this.emit("msg:custom", { ...reply, request: content.request }),
      (error) =>
        this.emit("msg:custom", failure(content, `The request failed: ${errorText(error)}`)),
    );
  }

  /** The reply to one of the view's messages. */
  async answer(content) {
    if (content.type === "history") {
      const answer = await this.api.histories(content.ids ?? []);
      if (!answer.ok) return { type: "history", histories: {}, error: messageOf(answer) };
      return { type: "history", histories: answer.data.histories ?? {}, error: null };
    }
    if (content.type === "refresh") {
      const read = await this.api.reload();
      if (read === null) return failure(content, "Could not read the experiments again.");
      return result(content, true, `Read ${read.rows} row(s) again.`);
    }
    const body = bodyOf(content, this.api.keep());
    if (body === null) return failure(content, `Unknown request ${JSON.stringify(content.type)}.`);
    const answer = await this.api.act(content.type, body);
    if (!answer.ok) {
      const kind = VIEW_KINDS.has(answer.data?.kind) ? answer.data.kind : "error";
      return failure(content, messageOf(answer), kind);
    }
    await this.api.reload();
    return result(content, true, String(answer.data.message ?? ""));
  }
}

function bodyOf(content, keep) {
  if (content.type === "apply") return { id: content.id, force: Boolean(content.force), keep };
  if (content.type === "branch") return { id: content.id, branch_name: content.branch_name };
  if (content.type === "remove" || content.type === "push") return { ids: content.ids ?? [] };
  if (content.type === "star") return { id: content.id, starred: content.starred !== false };
  return null;
}

function result(content, ok, message, errorKind = null) {
  return { type: "result", action: content.type, ok, message, error_kind: errorKind };
}

function failure(content, message, errorKind = "error") {
  if (content.type === "history") return { type: "history", histories: {}, error: message };
  return result(content, false, message, errorKind);
}

/** The readable message of a failed answer (the server's JSON `message`, else the status). */
export function messageOf(answer) {
  const text = answer.data?.message;
  return typeof text === "string" && text ? text : `The server answered ${answer.status}.`;
}

function errorText(error) {
  return error instanceof Error ? error.message : String(error);
}
