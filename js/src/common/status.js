// A status line that holds one message, the latest: a new one replaces it. A success ("ok")
// fades after EXPIRE_MS; an error stays until its × is clicked or another message replaces it;
// "info" (a request under way, a note about the data) stays until replaced. Lines of one
// StatusGroup (the sidebar's table, its "Run from here" form, its note editor) replace each
// other too: a message in one clears what the others say, their errors kept. Text only.

import { h } from "./dom.js";

export const EXPIRE_MS = 10_000;

export class StatusGroup {
  constructor() {
    /** @type {Set<StatusLine>} */
    this.lines = new Set();
  }

  /** A message was shown in `line`: the others' messages, but for errors, are cleared. */
  spoke(line) {
    for (const other of this.lines) if (other !== line && other.state !== "error") other.clear();
  }
}

export class StatusLine {
  /**
   * @param {HTMLElement} node the element that shows the message (its data-state set)
   * @param {{ group?: StatusGroup | null, expireMs?: number }} [options]
   */
  constructor(node, { group = null, expireMs = EXPIRE_MS } = {}) {
    this.node = node;
    this.group = group;
    this.expireMs = expireMs;
    this.state = "";
    this.timer = null;
    group?.lines.add(this);
    this.clear();
  }

  /** Show `text` (with `extra` nodes after it, e.g. a button) as the line's only message. */
  say(state, text, extra = []) {
    this.stopTimer();
    if (!text && !extra.length) {
      this.clear();
      return;
    }
    this.state = state;
    this.node.dataset.state = state;
    this.node.setAttribute("role", state === "error" ? "alert" : "status");
    const parts = [h("span", { className: "live-nb-status-text", text })];
    if (state === "error") {
      parts.push(
        h("button", {
          className: "live-nb-status-dismiss", // its × drawn by the style sheet: the text is the message
          attrs: { type: "button", "aria-label": "Dismiss this message", title: "Dismiss" },
          on: { click: () => this.clear() },
        }),
      );
    }
    this.node.replaceChildren(...parts, ...extra);
    this.node.hidden = false;
    if (state === "ok" && this.expireMs > 0) this.timer = setTimeout(() => this.clear(), this.expireMs);
    this.group?.spoke(this);
  }

  clear() {
    this.stopTimer();
    this.state = "";
    this.node.dataset.state = "";
    this.node.replaceChildren();
    this.node.hidden = true;
  }

  stopTimer() {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  /** The text shown ("" when none). */
  get text() {
    return this.node.querySelector(".live-nb-status-text")?.textContent ?? "";
  }

  dispose() {
    this.stopTimer();
    this.group?.lines.delete(this);
  }
}

/** The dismiss button's look, for the style sheets of the views that use a StatusLine. */
export const STATUS_STYLE = `
.live-nb-status-dismiss { all: unset; cursor: pointer; margin-left: 8px; padding: 0 4px; font-weight: 600;
  color: inherit; opacity: 0.7; }
.live-nb-status-dismiss::before { content: "\\00d7"; }
.live-nb-status-dismiss:hover, .live-nb-status-dismiss:focus-visible { opacity: 1; outline: 1px solid currentColor; }
`;
