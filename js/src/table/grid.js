// The rows of the experiments table, virtualised: only the rows in (or near) the
// scroll box's window are in the DOM, between two spacer rows that keep the
// scroll height of all of them. Every cell is filled with textContent.

import { element } from "./dom.js";
import { ROW_HEIGHT, VIEWPORT } from "./style.js";
import { toggleLabel } from "./checkpoints.js";
import { columnLabel, stateBadge, treeGlyph } from "./logic.js";

const OVERSCAN = 8; // rows rendered above and below the window

export class VirtualGrid {
  // handlers: {onSort(name), onToggle(id, checked), onToggleAll(checked), onStar(id), onOpen(id), onChain(id)}
  constructor(parent, handlers) {
    this.handlers = handlers;
    this.scroll = element("div", { className: "live-nb-table-scroll" });
    this.table = element("table", { className: "live-nb-table-grid", attrs: { role: "grid" } });
    this.colgroup = element("colgroup");
    this.thead = element("thead");
    this.tbody = element("tbody");
    this.table.append(this.colgroup, this.thead, this.tbody);
    this.scroll.appendChild(this.table);
    parent.appendChild(this.scroll);
    this.data = null;
    this.window = null;
    this.frame = null;

    this.onScroll = () => {
      if (this.frame !== null) return;
      const schedule = globalThis.requestAnimationFrame ?? ((fn) => setTimeout(fn, 16));
      this.frame = schedule(() => {
        this.frame = null;
        this.renderWindow();
      });
    };
    this.scroll.addEventListener("scroll", this.onScroll);
    // A box that grows or shrinks (the panel resized) shows other rows without a scroll event.
    this.resize = typeof ResizeObserver === "function" ? new ResizeObserver(() => this.onScroll()) : null;
    this.resize?.observe(this.scroll);
    this.thead.addEventListener("click", (event) => {
      const target = /** @type {Element} */ (event.target).closest?.("[data-sort]");
      if (target) this.handlers.onSort(target.getAttribute("data-sort"));
    });
    this.thead.addEventListener("change", (event) => {
      const box = /** @type {HTMLInputElement} */ (event.target);
      if (box.matches?.('input[data-role="select-all"]')) {
        this.handlers.onToggleAll(box.checked);
      }
    });
    this.tbody.addEventListener("click", (event) => {
      const target = /** @type {Element} */ (event.target).closest?.('[data-star], [data-open], [data-role="chain"]');
      if (!target) return;
      const row = target.closest("tr")?.getAttribute("data-id");
      if (!row) return;
      if (target.hasAttribute("data-star")) this.handlers.onStar?.(row);
      else if (target.hasAttribute("data-open")) this.handlers.onOpen?.(row);
      else this.handlers.onChain?.(row);
    });
    this.tbody.addEventListener("change", (event) => {
      const box = /** @type {HTMLInputElement} */ (event.target);
      if (!box.matches?.('input[type="checkbox"]')) return;
      const row = box.closest("tr");
      if (row) this.handlers.onToggle(row.getAttribute("data-id"), box.checked);
    });
  }

  // data: {columns, shown (column indexes, in display order), widths, entries (in display order),
  //        changed (id -> Set), baseTexts (id -> entry), selection (Set), sort,
  //        nameColumn}
  setData(data) {
    this.data = data;
    this.renderHeader();
    this.window = null;
    this.renderWindow();
  }

  renderHeader() {
    const { columns, shown, widths, sort, entries, selection } = this.data;
    const cols = [element("col", { style: { width: "28px" } })];
    let chars = 0;
    for (const index of shown) {
      cols.push(element("col", { style: { width: `calc(${widths[index]}ch + 12px)` } }));
      chars += widths[index];
    }
    this.colgroup.replaceChildren(...cols);
    this.table.style.width = `calc(${chars}ch + ${12 * shown.length + 28}px)`;

    const ticked = entries.filter((entry) => selection.has(entry.id)).length;
    const all = element("input", {
      attrs: {
        type: "checkbox",
        "data-role": "select-all",
        "aria-label": "Tick every shown row",
        title: "Tick every shown row",
      },
    });
    all.checked = entries.length > 0 && ticked === entries.length;
    all.indeterminate = ticked > 0 && ticked < entries.length;
    const cells = [element("th", { className: "live-nb-table-check" }, [all])];
    for (const index of shown) {
      const column = columns[index];
      const sorted = sort.column === column.name;
      const arrow = sorted ? (sort.order === "desc" ? " ▼" : " ▲") : "";
      const classes = [`live-nb-table-${column.kind}`];
      if (column.type !== "text") classes.push("live-nb-table-num");
      if (index === this.data.nameColumn) classes.push("live-nb-table-name");
      cells.push(
        element(
          "th",
          {
            className: classes.join(" "),
            attrs: {
              "aria-sort": sorted ? (sort.order === "desc" ? "descending" : "ascending") : "none",
              "data-column": column.name,
              title: columnLabel(column) === column.name ? `${column.name} (${column.kind})` : `${columnLabel(column)} (DVC's "${column.name}")`,
              scope: "col",
            },
          },
          [
            element("button", {
              className: "live-nb-table-sort",
              text: columnLabel(column) + arrow,
              attrs: { type: "button", "data-sort": column.name },
            }),
          ],
        ),
      );
    }
    this.thead.replaceChildren(element("tr", {}, cells));
  }

  // The height to render rows for: the largest the box may grow to, not only its present one,
  // since rows added below (an opened checkpoint chain) grow it without a scroll event.
  viewportHeight() {
    const limit = parseFloat(globalThis.getComputedStyle?.(this.scroll).maxHeight ?? "");
    return Math.max(this.scroll.clientHeight, Number.isFinite(limit) ? limit : VIEWPORT);
  }

  // The range of rows to render for the current scroll position.
  range() {
    const total = this.data.entries.length;
    const top = this.scroll.scrollTop || 0;
    const first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(total, Math.ceil((top + this.viewportHeight()) / ROW_HEIGHT) + OVERSCAN);
    return [first, Math.max(first, last)];
  }

  renderWindow() {
    if (!this.data) return;
    const [first, last] = this.range();
    if (this.window && this.window[0] === first && this.window[1] === last) return;
    this.window = [first, last];
    const { entries, shown } = this.data;
    const span = shown.length + 1;
    const rows = [];
    if (first > 0) rows.push(spacer(first * ROW_HEIGHT, span));
    for (let position = first; position < last; position += 1) {
      rows.push(this.renderRow(entries, position));
    }
    if (last < entries.length) rows.push(spacer((entries.length - last) * ROW_HEIGHT, span));
    this.tbody.replaceChildren(...rows);
  }

  renderRow(entries, position) {
    const { columns, shown, changed, byId, selection, nameColumn } = this.data;
    const entry = entries[position];
    const ticked = selection.has(entry.id);
    const name = nameColumn >= 0 ? entry.text[nameColumn] : entry.id;
    const box = element("input", {
      attrs: { type: "checkbox", "aria-label": `Select ${name}` },
    });
    box.checked = ticked;
    const curve = this.data.colors?.get(entry.id);
    const check = element("td", { className: "live-nb-table-check" }, [box]);
    if (curve) check.style.boxShadow = `inset 4px 0 0 ${curve}`; // the colour of its overlay line
    const cells = [check];
    const differs = changed.get(entry.id);
    const base = entry.baseline ? byId.get(entry.baseline) : undefined;
    for (const index of shown) {
      const column = columns[index];
      const text = entry.display ? entry.display[index] : entry.text[index];
      const classes = [];
      if (column.type !== "text") classes.push("live-nb-table-num");
      if (index === nameColumn) classes.push("live-nb-table-name");
      let title = entry.text[index]; // in full (Created is shown in short)
      if (differs && differs.has(index)) {
        classes.push("live-nb-table-changed");
        title = `${text} (baseline ${base ? base.text[nameColumn] : ""}: ${base ? base.text[index] : "-"})`;
      }
      if (index === nameColumn) {
        cells.push(this.nameCell(entry, treeGlyph(entries, position), text, classes, title));
        continue;
      }
      cells.push(element("td", { className: classes.join(" ") || undefined, text, attrs: { title } }));
    }
    const rowClasses = [ticked && "live-nb-table-selected", entry.pinned && "live-nb-table-pinned"];
    const last = entry.pinned && !entries[position + 1]?.pinned;
    if (last) rowClasses.push("live-nb-table-pinned-last");
    return element(
      "tr",
      {
        className: rowClasses.filter(Boolean).join(" ") || undefined,
        attrs: {
          "data-id": entry.id,
          "data-kind": entry.kind,
          "data-experiment": name,
          "data-parent": entry.parent ?? undefined,
        },
      },
      cells,
    );
  }

  // The name cell: an experiment of this repository's star button, the tree's glyph, its
  // chain's toggle when it has checkpoints, and its name (a button opening the run's view
  // when the table's front end can open one).
  nameCell(entry, glyph, text, classes, title) {
    const className = classes.join(" ");
    const name = entry.text[this.data.nameColumn] ?? entry.id;
    const chain = this.chainToggle(entry, name);
    const starrable = entry.kind === "experiment" && entry.id.startsWith("refs/exps/");
    const badge = this.stateBadge(entry);
    if (!chain && !starrable && !badge) return element("td", { className, text: glyph + text, attrs: { title } });
    /** @type {Node[]} */
    const parts = starrable ? [this.starButton(entry, name)] : []; // first: the stars line up
    parts.push(document.createTextNode(glyph));
    if (chain) parts.push(chain);
    const label =
      starrable && this.data.openable
        ? element("button", {
            className: "live-nb-table-open",
            text,
            attrs: { type: "button", "data-open": "", title: `Open ${name}: charts, images, notebook, diff` },
          })
        : element("span", { text });
    label.classList.add("live-nb-table-label"); // cut with an ellipsis, the badge kept in sight
    const box = element("div", { className: "live-nb-table-namebox" }, [...parts, label, ...(badge ? [badge] : [])]);
    return element("td", { className, attrs: { title } }, [box]);
  }

  // A Queued / Running / Failed badge after the name of a row whose run is not a plain saved one.
  stateBadge(entry) {
    const badge = stateBadge(entry);
    if (!badge) return null;
    return element("span", {
      className: "live-nb-table-state",
      text: badge.text,
      attrs: { "data-state": entry.state, title: badge.title },
    });
  }

  starButton(entry, name) {
    const starred = Boolean(this.data.starred?.(entry));
    return element("button", {
      className: "live-nb-table-star", // its ☆ or ★ is drawn by the style sheet: the cell's text is the name
      attrs: {
        type: "button",
        "data-star": "",
        "aria-pressed": String(starred),
        "aria-label": `${starred ? "Unstar" : "Star"} ${name}`,
        title: starred ? "Starred: pinned to the top. Click to unstar" : "Star: pin to the top",
      },
    });
  }

  // The toggle before the name of an experiment with checkpoints (none for other rows).
  chainToggle(entry, name) {
    const links = this.data.chains?.get(entry.id);
    if (!links || !links.length) return null;
    const open = this.data.open?.has(entry.id) ?? false;
    const { text, label } = toggleLabel(links.length, open, name);
    return element("button", {
      className: "live-nb-table-chain",
      text,
      attrs: { type: "button", "data-role": "chain", "aria-expanded": String(open), "aria-label": label, title: label },
    });
  }

  destroy() {
    this.scroll.removeEventListener("scroll", this.onScroll);
    this.resize?.disconnect();
  }
}

function spacer(height, span) {
  const cell = element("td", { attrs: { colspan: span }, style: { height: `${height}px` } });
  return element("tr", { className: "live-nb-table-spacer", attrs: { "aria-hidden": "true" } }, [cell]);
}
