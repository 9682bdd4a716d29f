// The experiments table view (%exp_show). The Python side is
// live_nb/widgets/table.py, whose docstring documents the traits and
// messages; in short: traits `columns`, `rows` (Python -> here), `sort_by`,
// `sort_order`, `filter_text`, `hide_unchanged`, `selection` (both ways), and
// custom messages {type: history|apply|branch|remove|push|star|refresh, request, ...}
// answered by {type: history|result, request, ...}.
//
// Columns are shown in displayOrder (logic.js): Experiment, Created (in short),
// metrics, params, Message; rev, typ and parent behind the "Details" toggle. The
// `columns` trait, and the DataFrame, keep DVC's order and every column.
//
// Everything a user typed is shown with textContent (see dom.js).

import { splitCheckpoints, withChains } from "./checkpoints.js";
import { ChartPanel } from "./charts.js";
import { button, element, textMeasure } from "./dom.js";
import { VirtualGrid } from "./grid.js";
import {
  buttonStates,
  changedCells,
  columnIndex,
  columnWidths,
  DETAIL_COLUMNS,
  displayOrder,
  explainEmpty,
  filterEntries,
  filterPlaceholder,
  nextSort,
  parseFilter,
  pinStarred,
  isStarred,
  prepareEntries,
  queuedReason,
  selectedExperiments,
  sortEntries,
  STAR_COLUMN,
  UNCHANGED_HELP,
  unchangedColumns,
} from "./logic.js";
import { MAX_OVERLAY, StyleSlots, seriesLabels, styleOf } from "./overlay.js";
import { PUSH_ACTION, pushConfirmation, pushEnabled, pushTitle } from "./push.js";
import { StatusLine } from "../common/status.js";
import { STYLE } from "./style.js";

const SAVE_DELAY = 250; // ms between typing in the filter box and syncing it to Python
// Below this width (px; a narrow sidebar) the table is compact: the name column is cut to
// COMPACT_NAME ch (its tooltip has it whole, a state badge becomes a dot) and the first metric
// comes right after it, the date and notes after the numbers.
export const COMPACT_WIDTH = 460;
const COMPACT_NAME = 16;
const LISTED = 10; // names listed in a confirmation

let views = 0;

function sameList(a, b) {
  return a.length === b.length && a.every((item, index) => item === b[index]);
}

function listNames(names) {
  const shown = names.slice(0, LISTED).join(", ");
  return names.length > LISTED ? `${shown} and ${names.length - LISTED} more` : shown;
}

export class TableView {
  /**
   * @param {any} model the anywidget model
   * @param {HTMLElement} el
   * @param {{ embedFn?: typeof import("vega-embed").default, measure?: (text: string, bold?: boolean) => number }} [options]
   *   embedFn draws a chart (vega-embed by default); measure gives a text's width in `ch`
   */
  constructor(model, el, { embedFn, measure } = {}) {
    this.model = model;
    this.measure = measure ?? textMeasure() ?? undefined; // text widths for the columns
    views += 1;
    this.viewId = `${Date.now().toString(36)}-${views}`;
    this.requests = 0;
    this.pending = new Map(); // request -> the content sent
    this.pendingKeys = new Map(); // history request -> Map(id -> history key)
    this.busy = false;
    this.histories = new Map(); // history key -> {metrics, downsampled, error, commit}
    this.loading = new Set(); // history keys asked for
    this.generation = 0;
    this.forceTarget = null;
    this.onConfirm = null;
    this.confirmRequest = null; // the request a kept-open confirm box waits for
    this.listeners = [];
    this.timers = new Set();
    this.reloadScheduled = false;

    this.sort = { column: model.get("sort_by") ?? "", order: model.get("sort_order") ?? "asc" };
    this.filterText = model.get("filter_text") ?? "";
    this.hideUnchanged = Boolean(model.get("hide_unchanged"));
    this.details = false; // rev, typ and parent shown
    this.selection = new Set(model.get("selection") ?? []);
    this.open = new Set(); // experiments whose checkpoint chain is shown (collapsed by default)

    this.root = element("div", { className: "live-nb-table" });
    this.root.appendChild(element("style", { text: STYLE }));
    this.buildToolbar();
    this.confirmBox = element("div", {
      className: "live-nb-table-confirm",
      attrs: { role: "dialog", "aria-label": "Confirm", hidden: true },
    });
    this.message = element("div", {
      className: "live-nb-table-message",
      attrs: { role: "status", "aria-live": "polite" },
    });
    this.root.append(this.confirmBox, this.message);
    // the sidebar's model gives its sections one group, so their messages replace each other
    this.status = new StatusLine(this.message, { group: model.statusGroup ?? null });
    this.grid = new VirtualGrid(this.root, {
      onSort: (name) => this.toggleSort(name),
      onToggle: (id, checked) => this.toggleRow(id, checked),
      onToggleAll: (checked) => this.toggleAll(checked),
      onStar: (id) => this.toggleStar(id),
      onOpen: (id) => this.model.open?.(id),
      onChain: (id) => this.toggleChain(id),
    });
    this.styleSlots = new StyleSlots(); // which colour each ticked row has
    this.charts = new ChartPanel(this.root, embedFn ? { embedFn } : {});
    el.appendChild(this.root);
    this.compact = false;
    this.sizes = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.checkWidth()) : null;
    this.sizes?.observe(this.root);

    this.root.addEventListener("click", (event) => this.onClick(event));
    this.confirmBox.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.onConfirm?.();
      if (event.key === "Escape") this.closeConfirm();
    });

    this.listen("change:rows", () => this.scheduleReload());
    this.listen("change:columns", () => this.scheduleReload());
    this.listen("change:sort_by", () => this.syncSort());
    this.listen("change:sort_order", () => this.syncSort());
    this.listen("change:filter_text", () => this.syncFilter());
    this.listen("change:hide_unchanged", () => this.syncHide());
    this.listen("change:selection", () => this.syncSelection());
    this.listen("msg:custom", (message) => this.onMessage(message));

    this.loadRows();
    this.derive();
    this.requestHistories();
  }

  listen(event, handler) {
    this.model.on(event, handler);
    this.listeners.push([event, handler]);
  }

  later(fn, delay) {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, delay);
    this.timers.add(timer);
    return timer;
  }

  buildToolbar() {
    this.filterBox = element("input", {
      className: "live-nb-table-filter",
      attrs: {
        type: "search",
        placeholder: filterPlaceholder([]),
        "aria-label": "Filter rows",
        spellcheck: "false",
      },
    });
    this.filterBox.value = this.filterText;
    this.filterBox.addEventListener("input", () => this.setFilter(this.filterBox.value));
    this.filterNote = element("span", { className: "live-nb-table-filter-note", attrs: { role: "status" } });
    this.hideBox = element("input", {
      attrs: { type: "checkbox", "data-role": "hide-unchanged" },
    });
    this.hideBox.checked = this.hideUnchanged;
    this.hideBox.addEventListener("change", () => this.setHide(this.hideBox.checked));
    const hideLabel = element("label", { className: "live-nb-table-toggle", attrs: { title: UNCHANGED_HELP } }, [
      this.hideBox,
      element("span", { text: "Hide unchanged columns" }),
    ]);
    this.detailsBox = element("input", { attrs: { type: "checkbox", "data-role": "details" } });
    this.detailsBox.addEventListener("change", () => this.setDetails(this.detailsBox.checked));
    const detailsLabel = element(
      "label",
      { className: "live-nb-table-toggle", attrs: { title: `Show the ${DETAIL_COLUMNS.join(", ")} columns` } },
      [this.detailsBox, element("span", { text: "Details" })],
    );
    this.count = element("span", { className: "live-nb-table-count" });
    this.legend = element("span", { className: "live-nb-table-key" }, [
      element("span", { className: "live-nb-table-swatch live-nb-table-changed", text: "0.9" }),
      element("span", { text: " differs from its baseline" }),
    ]);
    this.buttons = {
      apply: button("Apply", "apply"),
      branch: button("Branch…", "branch"),
      remove: button("Remove", "remove"),
      push: button("Push…", PUSH_ACTION),
      refresh: button("Refresh", "refresh", { title: "Read the experiments again" }),
    };
    this.toolbar = element("div", { className: "live-nb-table-toolbar" }, [
      this.filterBox,
      this.filterNote,
      hideLabel,
      detailsLabel,
      this.count,
      this.legend,
      ...Object.values(this.buttons),
    ]);
    this.root.appendChild(this.toolbar);
  }

  // -- data -----------------------------------------------------------------

  scheduleReload() {
    if (this.reloadScheduled) return;
    this.reloadScheduled = true;
    queueMicrotask(() => {
      this.reloadScheduled = false;
      this.loadRows();
      this.derive();
      this.requestHistories();
    });
  }

  loadRows() {
    this.columns = this.model.get("columns") ?? [];
    this.entries = prepareEntries(this.model.get("rows") ?? [], this.columns);
    const { top, chains } = splitCheckpoints(this.entries);
    this.topEntries = top; // sorted and filtered; each open chain follows its experiment
    this.chains = chains;
    this.byId = new Map(this.entries.map((entry) => [entry.id, entry]));
    this.changed = changedCells(this.entries, this.columns);
    this.legend.hidden = this.changed.size === 0;
    this.widths = columnWidths(this.entries, this.columns, { changed: this.changed, measure: this.measure });
    this.nameColumn = columnIndex(this.columns, "Experiment");
    this.filterBox.placeholder = filterPlaceholder(this.columns);
    this.revColumn = columnIndex(this.columns, "rev");
    this.starColumn = columnIndex(this.columns, STAR_COLUMN);
    this.generation += 1;
    const kept = [...this.selection].filter((id) => this.byId.has(id));
    if (kept.length !== this.selection.size) {
      this.selection = new Set(kept);
      this.saveSelection();
    }
  }

  derive() {
    const sortColumn = this.sort.column ? columnIndex(this.columns, this.sort.column) : -1;
    const filter = parseFilter(this.filterText, this.columns);
    const filtered = filterEntries(this.topEntries, filter);
    const problems = [...filter.problems];
    if (!filtered.length) problems.push(...explainEmpty(this.topEntries, filter, this.columns));
    this.filterNote.textContent = problems.join(" ");
    this.filterNote.hidden = !problems.length;
    const sorted = pinStarred(sortEntries(filtered, sortColumn, this.sort.order), this.starColumn);
    this.shown = withChains(sorted, this.chains, this.open);
    const hidden = this.hideUnchanged ? unchangedColumns(filtered, this.columns) : new Set();
    const order = displayOrder(this.columns, { details: this.details, compact: this.compact });
    this.shownColumns = order.filter((index) => !hidden.has(index));
    let count = `${sorted.length} of ${this.topEntries.length} rows`;
    const links = this.shown.length - sorted.length;
    if (links) count += ` · ${links} checkpoint(s) shown`;
    if (hidden.size) count += ` · ${hidden.size} unchanged column(s) hidden`;
    this.count.textContent = count;
    this.hidden = hidden;
    this.redraw();
  }

  // Compact below COMPACT_WIDTH px (0: not laid out, e.g. a hidden panel, left as it is).
  checkWidth() {
    const width = this.root.clientWidth;
    const compact = width > 0 ? width < COMPACT_WIDTH : this.compact;
    if (compact === this.compact) return;
    this.compact = compact;
    this.root.toggleAttribute("data-compact", compact);
    this.derive();
  }

  shownWidths() {
    if (!this.compact || this.nameColumn < 0) return this.widths;
    const widths = this.widths.slice();
    widths[this.nameColumn] = Math.min(widths[this.nameColumn], COMPACT_NAME);
    return widths;
  }

  redraw() {
    this.grid.setData({
      columns: this.columns,
      shown: this.shownColumns,
      widths: this.shownWidths(),
      entries: this.shown,
      changed: this.changed,
      byId: this.byId,
      selection: this.selection,
      sort: this.sort,
      nameColumn: this.nameColumn,
      starred: (entry) => isStarred(entry, this.starColumn),
      openable: typeof this.model.open === "function", // the sidebar opens a run's view
      chains: this.chains,
      open: this.open,
      colors: new Map([...this.overlaySlots()].map(([id, slot]) => [id, styleOf(slot).color])),
    });
    this.updateButtons();
  }

  nameOf(entry) {
    return this.nameColumn >= 0 ? entry.text[this.nameColumn] : entry.id;
  }

  // -- view state -------------------------------------------------------------

  toggleSort(name) {
    const sort = nextSort(this.sort, name);
    this.sort = sort;
    this.settingSort = true; // the two change events below come from here
    try {
      this.model.set("sort_by", sort.column);
      this.model.set("sort_order", sort.order);
    } finally {
      this.settingSort = false;
    }
    this.model.save_changes();
    this.derive();
  }

  syncSort() {
    if (this.settingSort) return;
    const column = this.model.get("sort_by") ?? "";
    const order = this.model.get("sort_order") ?? "asc";
    if (column === this.sort.column && order === this.sort.order) return;
    this.sort = { column, order };
    this.derive();
  }

  setFilter(text) {
    this.filterText = text;
    this.derive();
    if (this.filterTimer) {
      clearTimeout(this.filterTimer);
      this.timers.delete(this.filterTimer);
    }
    this.filterTimer = this.later(() => {
      this.model.set("filter_text", this.filterText);
      this.model.save_changes();
    }, SAVE_DELAY);
  }

  syncFilter() {
    const text = this.model.get("filter_text") ?? "";
    if (text === this.filterText) return;
    this.filterText = text;
    this.filterBox.value = text;
    this.derive();
  }

  setHide(hide) {
    this.hideUnchanged = hide;
    this.model.set("hide_unchanged", hide);
    this.model.save_changes();
    this.derive();
  }

  setDetails(details) {
    this.details = details;
    this.derive();
  }

  syncHide() {
    const hide = Boolean(this.model.get("hide_unchanged"));
    if (hide === this.hideUnchanged) return;
    this.hideUnchanged = hide;
    this.hideBox.checked = hide;
    this.derive();
  }

  toggleRow(id, checked) {
    if (checked) this.selection.add(id);
    else this.selection.delete(id);
    this.selectionChanged();
  }

  // Show or hide the checkpoint rows of experiment `id` (DVC 2's table listed them all).
  toggleChain(id) {
    if (!this.chains.has(id)) return;
    if (this.open.has(id)) this.open.delete(id);
    else this.open.add(id);
    this.derive();
  }

  toggleAll(checked) {
    for (const entry of this.shown) {
      if (checked) this.selection.add(entry.id);
      else this.selection.delete(entry.id);
    }
    this.selectionChanged();
  }

  selectionChanged() {
    this.saveSelection();
    this.redraw();
    this.requestHistories();
  }

  saveSelection() {
    this.model.set("selection", [...this.selection]);
    this.model.save_changes();
  }

  syncSelection() {
    const ids = this.model.get("selection") ?? [];
    if (sameList(ids, [...this.selection])) return;
    this.selection = new Set(ids.filter((id) => this.byId.has(id)));
    this.redraw();
    this.requestHistories();
  }

  // -- actions ----------------------------------------------------------------

  toggleStar(id) {
    const entry = this.byId.get(id);
    if (!entry || entry.kind !== "experiment" || this.busy) return;
    const starred = !isStarred(entry, this.starColumn);
    const name = this.nameOf(entry);
    this.send({ type: "star", id, starred }, starred ? `Starring ${name}…` : `Unstarring ${name}…`);
  }

  updateButtons() {
    const chosen = selectedExperiments(this.selection, this.byId);
    const states = { ...buttonStates(chosen, this.busy), push: pushEnabled(chosen, this.busy) };
    const one = chosen.length === 1 ? this.nameOf(chosen[0]) : null;
    const titles = {
      apply: one ? `Put ${one}'s files into the working tree` : "Tick one experiment to apply it",
      branch: one ? `Make a Git branch of ${one}` : "Tick one experiment to branch it",
      remove: chosen.length
        ? `Remove ${chosen.length} experiment(s)`
        : "Tick the experiments to remove",
      push: pushTitle(chosen.length),
    };
    for (const action of ["apply", "branch", "remove", "push"]) {
      const reason = this.queuedReason(chosen, action);
      if (reason) {
        states[action] = false; // a queue's run: the button says why it cannot act
        titles[action] = reason;
      }
    }
    for (const [action, enabled] of Object.entries(states)) {
      this.buttons[action].disabled = !enabled;
      if (titles[action]) this.buttons[action].title = titles[action];
    }
  }

  // Why `action` cannot act on one of the ticked rows (a queue's run), or null.
  queuedReason(chosen, action) {
    for (const entry of chosen) {
      const reason = queuedReason(entry, action, this.nameOf(entry));
      if (reason) return reason;
    }
    return null;
  }

  onClick(event) {
    const target = event.target.closest?.("button[data-action]");
    if (!target || target.disabled) return;
    const action = target.getAttribute("data-action");
    if (action === "confirm") this.onConfirm?.();
    else if (action === "cancel") this.closeConfirm();
    else this.act(action);
  }

  act(action) {
    if (this.busy) return;
    const chosen = selectedExperiments(this.selection, this.byId);
    const names = chosen.map((entry) => this.nameOf(entry));
    if (action === "refresh") {
      this.send({ type: "refresh" }, "Reading the experiments again…");
      return;
    }
    if (action === "apply-force") {
      const entry = this.byId.get(this.forceTarget);
      if (!entry) return;
      const name = this.nameOf(entry);
      this.confirm({
        text:
          `Save your uncommitted changes to a backup ref (you can restore them later), ` +
          `then apply experiment "${name}"?`,
        confirmLabel: "Back up and apply",
        onConfirm: () =>
          this.send({ type: "apply", id: entry.id, force: true }, `Applying ${name}…`),
      });
      return;
    }
    if ((action === "apply" || action === "branch") && chosen.length !== 1) {
      this.say("error", `Tick exactly one experiment to ${action} it.`);
      return;
    }
    if (action === "apply") {
      const [entry] = chosen;
      this.confirm({
        text:
          `Apply experiment "${names[0]}"? Its files replace those in the working tree; ` +
          "HEAD, branches and staged changes stay as they are. Nothing is changed if " +
          "uncommitted work would be overwritten.",
        confirmLabel: "Apply",
        onConfirm: () =>
          this.send({ type: "apply", id: entry.id, force: false }, `Applying ${names[0]}…`),
      });
    } else if (action === "branch") {
      const [entry] = chosen;
      this.confirm({
        text: `Create a Git branch at experiment "${names[0]}", named:`,
        input: { label: "Branch name", value: names[0] },
        confirmLabel: "Create branch",
        keepOpen: true, // until the name is accepted: a refused one is said beside the box
        onConfirm: (branchName) => {
          this.confirmRequest = this.send(
            { type: "branch", id: entry.id, branch_name: branchName },
            `Creating branch ${branchName}…`,
          );
        },
      });
    } else if (action === PUSH_ACTION) {
      if (!chosen.length) {
        this.say("error", "Tick the experiments to push (the workspace and baselines cannot be).");
        return;
      }
      const { request, progress, ...question } = pushConfirmation(chosen, names);
      this.confirm({ ...question, onConfirm: () => this.send(request, progress) });
    } else if (action === "remove") {
      if (!chosen.length) {
        this.say("error", "Tick the experiments to remove (the workspace and baselines cannot be).");
        return;
      }
      this.confirm({
        text: `Remove ${chosen.length} experiment(s): ${listNames(names)}? Their refs are deleted.`,
        confirmLabel: "Remove",
        danger: true,
        onConfirm: () =>
          this.send({ type: "remove", ids: chosen.map((entry) => entry.id) }, "Removing…"),
      });
    }
  }

  /**
   * Ask before acting: `onConfirm` is called with the input's value, if there is an input.
   * With `keepOpen`, the box stays open until `answerConfirm` hears the request's reply.
   * @param {{ text: string, input?: { label: string, value?: string }, confirmLabel: string, danger?: boolean, keepOpen?: boolean, onConfirm: (value?: string) => unknown }} options
   */
  confirm({ text, input, confirmLabel, danger = false, keepOpen = false, onConfirm }) {
    const parts = [element("span", { text })];
    let field = null;
    if (input) {
      field = element("input", {
        attrs: { type: "text", "aria-label": input.label, "data-role": "branch-name" },
      });
      field.value = input.value ?? "";
      parts.push(field);
    }
    const ok = button(confirmLabel, "confirm", {
      className: danger ? "live-nb-table-button live-nb-table-danger" : "live-nb-table-button",
    });
    const error = element("span", {
      className: "live-nb-table-confirm-error",
      attrs: { "data-role": "confirm-error", role: "alert" },
    });
    parts.push(ok, button("Cancel", "cancel"), error);
    this.confirmBox.replaceChildren(...parts);
    this.confirmBox.hidden = false;
    this.confirmRequest = null;
    this.onConfirm = () => {
      const value = field ? field.value.trim() : null;
      if (field && !value) {
        this.say("error", "Type a name for the branch.");
        return;
      }
      error.textContent = "";
      if (!keepOpen) this.closeConfirm();
      onConfirm(value);
    };
    (field ?? ok).focus?.();
  }

  /** The reply to the request a kept-open box sent: true when it was said in the box. */
  answerConfirm(message) {
    if (this.confirmRequest === null || message.request !== this.confirmRequest) return false;
    this.confirmRequest = null;
    if (message.ok || message.error_kind !== "branch_name") {
      this.closeConfirm();
      return false;
    }
    this.confirmBox.querySelector('[data-role="confirm-error"]').textContent = String(
      message.message ?? "",
    );
    const field = this.confirmBox.querySelector("input");
    field?.focus?.();
    field?.select?.();
    return true;
  }

  closeConfirm() {
    this.confirmRequest = null;
    this.onConfirm = null;
    this.confirmBox.hidden = true;
    this.confirmBox.replaceChildren();
  }

  // One message at a time (see common/status.js): a success fades, an error waits for its ×.
  say(state, text, extra = []) {
    this.status.say(state, text, extra);
  }

  send(content, pendingText) {
    this.requests += 1;
    const request = `${this.viewId}:${this.requests}`;
    this.pending.set(request, content);
    if (content.type !== "history") {
      this.busy = true;
      this.say("info", pendingText ?? "");
      this.updateButtons();
    }
    this.model.send({ ...content, request });
    return request;
  }

  onMessage(message) {
    if (!message || typeof message !== "object" || !this.pending.has(message.request)) return;
    const sent = this.pending.get(message.request);
    this.pending.delete(message.request);
    if (message.type === "history") {
      this.receiveHistories(message);
      return;
    }
    if (message.type !== "result") return;
    this.busy = false;
    const extra = [];
    if (!message.ok && message.error_kind === "uncommitted" && sent.type === "apply") {
      this.forceTarget = sent.id;
      extra.push(
        element("div", {}, [
          button("Back up my changes and apply", "apply-force", {
            className: "live-nb-table-button live-nb-table-danger",
          }),
        ]),
      );
    }
    if (this.answerConfirm(message)) this.say("info", "");
    else this.say(message.ok ? "ok" : "error", String(message.message ?? ""), extra);
    this.updateButtons();
  }

  // -- metric histories -------------------------------------------------------

  historyKey(entry) {
    return entry.commit ? `${entry.id}@${entry.commit}` : `${entry.id}@ws${this.generation}`;
  }

  overlayEntries() {
    const ids = [...this.selection].filter((id) => this.byId.has(id));
    return ids.slice(0, MAX_OVERLAY).map((id) => this.byId.get(id));
  }

  // Each plotted row's palette slot: kept while it stays ticked (see StyleSlots).
  overlaySlots() {
    return this.styleSlots.assign(this.overlayEntries().map((entry) => entry.id));
  }

  requestHistories() {
    const missing = this.overlayEntries().filter((entry) => {
      const key = this.historyKey(entry);
      return !this.histories.has(key) && !this.loading.has(key);
    });
    if (missing.length) {
      const keys = new Map(missing.map((entry) => [entry.id, this.historyKey(entry)]));
      for (const key of keys.values()) this.loading.add(key);
      const request = this.send({ type: "history", ids: missing.map((entry) => entry.id) });
      this.pendingKeys.set(request, keys);
    }
    this.renderCharts();
  }

  receiveHistories(message) {
    const keys = this.pendingKeys.get(message.request) ?? new Map();
    this.pendingKeys.delete(message.request);
    const histories = message.histories ?? {};
    for (const [id, key] of keys) {
      this.loading.delete(key);
      const history = histories[id] ?? {
        metrics: {},
        error: message.error ?? "no answer for this row",
      };
      this.histories.set(key, history);
    }
    this.requestHistories();
  }

  renderCharts() {
    const entries = this.overlayEntries();
    const labels = seriesLabels(entries, this.nameColumn, this.revColumn);
    const slots = this.overlaySlots();
    const series = entries.map((entry) => {
      const key = this.historyKey(entry);
      const history = this.histories.get(key) ?? null;
      const checkpoint = entry.kind === "checkpoint";
      return { id: entry.id, key, label: labels.get(entry.id), history, slot: slots.get(entry.id), checkpoint };
    });
    const loading = entries.some((entry) => this.loading.has(this.historyKey(entry)));
    const ticked = [...this.selection].filter((id) => this.byId.has(id)).length;
    this.charts.render({ series, loading, capped: ticked - entries.length });
  }

  destroy() {
    for (const [event, handler] of this.listeners) this.model.off(event, handler);
    for (const timer of this.timers) clearTimeout(timer);
    this.sizes?.disconnect();
    this.status.dispose();
    this.grid.destroy();
    this.charts.destroy();
    this.root.remove();
  }
}

export default {
  render({ model, el }) {
    const view = new TableView(model, el);
    return () => view.destroy();
  },
};
