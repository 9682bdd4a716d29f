// "Run from here": the panel's form for the notebook it follows, and the queue with its worker.
//
// The form lists the keys `-S` can set in the notebook (its parameters cell, its %%live
// --param defaults, params.yaml: live-nb/api/launch/params), each value editable in DVC's `-S`
// grammar (`0.1`, a grid `0.1,0.01`, `range(1,4)`), plus free `-S` items (`+dropout=0.2`).
// "Run" queues the grid's runs and starts a worker; "Queue" only queues them. Only the values
// changed are sent, as `key=value` items; the server checks them with the grammar and answers
// a refused item with its sentence, shown under the form. Below, the queue (queued, running and
// recent runs) and its worker, with Start / Stop, read every QUEUE_POLL_MS while open.
// live_nb/server/launch_handlers.py documents the routes; every text is shown as text.

import { formatElapsed } from "../../src/common/format.js";
import { StatusLine } from "../../src/common/status.js";

export const QUEUE_POLL_MS = 2000;

const STYLE = `
.live-nb-launch { margin-bottom: 8px; border: 1px solid var(--jp-border-color2); border-radius: 2px; }
.live-nb-launch > summary { cursor: pointer; padding: 4px 6px; font-weight: 600;
  font-size: var(--jp-ui-font-size0); text-transform: uppercase; letter-spacing: 0.04em;
  color: var(--jp-ui-font-color2); white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.live-nb-launch-body { padding: 4px 6px 6px; display: flex; flex-direction: column; gap: 6px; }
.live-nb-launch-params { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 3fr);
  gap: 3px 6px; align-items: center; }
.live-nb-launch-params label { overflow: hidden; text-overflow: ellipsis; white-space: nowrap;
  font-family: var(--jp-code-font-family); }
.live-nb-launch-params label small { display: block; overflow: hidden; text-overflow: ellipsis;
  color: var(--jp-ui-font-color2); font-family: var(--jp-ui-font-family); font-size: var(--jp-ui-font-size0); }
.live-nb-launch input, .live-nb-launch textarea { min-width: 0; width: 100%; box-sizing: border-box;
  font-family: var(--jp-code-font-family); font-size: var(--jp-code-font-size);
  background: var(--jp-input-background, var(--jp-layout-color1)); color: var(--jp-ui-font-color1);
  border: 1px solid var(--jp-border-color1); padding: 2px 4px; }
.live-nb-launch input[aria-invalid="true"], .live-nb-launch textarea[aria-invalid="true"] {
  border-color: var(--jp-error-color1); }
.live-nb-launch textarea { resize: vertical; min-height: calc(1.4em + 8px); line-height: 1.4em; }
.live-nb-launch button { white-space: nowrap; height: auto; line-height: 22px; padding: 0 10px; }
.live-nb-launch-actions { display: flex; flex-wrap: wrap; align-items: center; gap: 4px; }
.live-nb-launch-actions label { display: flex; align-items: center; gap: 4px; color: var(--jp-ui-font-color2); }
.live-nb-launch-actions input { width: 3.5em; }
.live-nb-launch-status { white-space: pre-wrap; color: var(--jp-ui-font-color2); }
.live-nb-launch-status[data-state="error"] { color: var(--jp-error-color1); }
.live-nb-launch-hint { color: var(--jp-ui-font-color2); }
.live-nb-launch-queue { border-top: 1px solid var(--jp-border-color3); padding-top: 4px; }
.live-nb-launch-worker { display: flex; flex-wrap: wrap; align-items: center; gap: 4px 6px;
  justify-content: space-between; }
.live-nb-launch-runs { list-style: none; margin: 4px 0 0; padding: 0; }
.live-nb-launch-runs li { display: grid; grid-template-columns: minmax(0, 1fr) auto; column-gap: 6px;
  padding: 2px 0; border-bottom: 1px solid var(--jp-border-color3); }
.live-nb-launch-runs li > span { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.live-nb-launch-runs .live-nb-launch-runparams { grid-column: 1 / -1; color: var(--jp-ui-font-color2);
  font-family: var(--jp-code-font-family); }
`;

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function button(text, title) {
  const node = element("button", "jp-mod-styled", text);
  node.type = "button";
  if (title) node.title = title;
  return node;
}

/**
 * The `-S` items the form asks for: each parameter whose value was changed, as `key=value`,
 * then the free lines (blank ones left out).
 * @param {{ key: string, value: string }[]} params the values as read
 * @param {Record<string, string>} edited the inputs' values, by key
 * @param {string} extra the free text, one item a line
 */
export function itemsOf(params, edited, extra) {
  const items = [];
  for (const { key, value } of params) {
    const now = edited[key];
    if (now !== undefined && now.trim() !== String(value)) items.push(`${key}=${now.trim()}`);
  }
  for (const line of String(extra ?? "").split("\n")) {
    if (line.trim()) items.push(line.trim());
  }
  return items;
}

/** The key an `-S` item names (`file:+key=v` -> `key`). */
export function keyOf(item) {
  const body = String(item ?? "").split("=")[0];
  return body.slice(body.lastIndexOf(":") + 1).replace(/^[+~]+/, "").trim();
}

/** "0:07", "1:05:00": an elapsed time as the runs view and "Now running" show it. */
export function duration(seconds) {
  if (typeof seconds !== "number" || !Number.isFinite(seconds)) return "";
  return formatElapsed(Math.round(seconds));
}

export class LaunchForm {
  /**
   * @param {{ read: (route: string, query: object) => Promise<any>,
   *   act: (path: string, action: string, body: object) => Promise<any> }} client
   * @param {() => boolean} isVisible whether the panel is shown (the queue is read only then)
   * @param {(path: string) => boolean} [isDirty] whether the open notebook has unsaved changes
   */
  constructor(client, isVisible, isDirty = () => false, group = null) {
    this.client = client;
    this.isVisible = isVisible;
    this.isDirty = isDirty;
    this.path = null; // the followed path: its folder's queue, and the form when a notebook
    this.notebook = null;
    this.params = [];
    this.inputs = new Map();

    this.node = element("details", "live-nb-launch");
    const style = element("style");
    style.textContent = STYLE;
    this.summary = element("summary", "", "Run from here");
    this.body = element("div", "live-nb-launch-body");
    this.hint = element("div", "live-nb-launch-hint");
    this.grid = element("div", "live-nb-launch-params");
    this.extra = element("textarea");
    this.extra.rows = 1;
    this.extra.placeholder = "+key=value, a line each";
    this.extra.setAttribute("aria-label", "More -S items, one a line");
    this.jobs = element("input");
    this.jobs.type = "number";
    this.jobs.min = "1";
    this.jobs.max = "16";
    this.jobs.value = "1";
    this.jobs.title = "Runs at a time";
    this.jobs.setAttribute("aria-label", "Runs at a time");
    this.run = button("Run", "Queue these runs and start a worker for them now");
    this.queueButton = button("Queue", "Queue these runs; start a worker later");
    this.run.dataset.action = "run";
    this.queueButton.dataset.action = "queue";
    const actions = element("div", "live-nb-launch-actions");
    const jobs = element("label", "", "at once");
    jobs.prepend(this.jobs);
    actions.append(this.run, this.queueButton, jobs);
    this.status = element("div", "live-nb-launch-status");
    this.statusLine = new StatusLine(this.status, { group }); // replaced by the panel's next message
    this.form = element("div");
    this.form.append(this.grid, this.extra, actions);

    this.queue = element("div", "live-nb-launch-queue");
    this.worker = element("span");
    this.workerButton = button("Start worker");
    const workerLine = element("div", "live-nb-launch-worker");
    workerLine.append(this.worker, this.workerButton);
    this.runs = element("ul", "live-nb-launch-runs");
    this.runs.setAttribute("aria-label", "The queue");
    this.queue.append(workerLine, this.runs);

    this.body.append(this.hint, this.form, this.status, this.queue);
    this.node.append(style, this.summary, this.body);

    this.run.addEventListener("click", () => void this.submit(true));
    this.queueButton.addEventListener("click", () => void this.submit(false));
    this.workerButton.addEventListener("click", () => void this.toggleWorker());
    this.node.addEventListener("toggle", () => {
      if (this.node.open) void this.refresh();
    });
    this.workerPid = null;
    this.timer = setInterval(() => {
      if (!this.node.open || !this.isVisible() || document.hidden) return;
      this.showNotebook(); // its unsaved changes, said before a run is queued
      void this.readQueue();
    }, QUEUE_POLL_MS);
    this.showNotebook();
  }

  /** Follow `path` (relative to the server's root): a notebook gets the form. */
  follow(path) {
    if (path === this.path) return;
    this.path = path;
    const notebook = typeof path === "string" && path.endsWith(".ipynb") ? path : null;
    if (notebook !== this.notebook) {
      this.notebook = notebook;
      this.params = [];
      this.inputs.clear();
      this.say("", "");
      this.showNotebook();
    }
    if (this.node.open) void this.refresh();
  }

  async refresh() {
    this.showNotebook();
    await Promise.all([this.readParams(), this.readQueue()]);
  }

  showNotebook() {
    const name = this.notebook ? this.notebook.split("/").pop() : null;
    this.summary.textContent = name ? `Run from here: ${name}` : "Run from here";
    this.form.hidden = name === null;
    const unsaved = name && this.isDirty(this.notebook) ? ` ${name} has unsaved changes: save it to run them.` : "";
    this.hint.textContent = name
      ? `Runs ${name} as saved, headless, once per combination: 0.1,0.01 or range(1,4) sweep.${unsaved}`
      : "Open a notebook to run it from here with other parameters.";
  }

  async readParams() {
    const notebook = this.notebook;
    if (notebook === null) return;
    const answer = await this.client.get("launch/params", notebook).catch((error) => ({
      ok: false,
      data: { message: `The request failed: ${error?.message ?? error}` },
    }));
    if (notebook !== this.notebook) return;
    if (!answer.ok) {
      this.say("error", String(answer.data?.message ?? `The server answered ${answer.status}.`));
      return;
    }
    this.params = answer.data?.params ?? [];
    this.drawParams();
  }

  drawParams() {
    const kept = new Map([...this.inputs].map(([key, input]) => [key, input.value]));
    this.grid.replaceChildren();
    this.inputs.clear();
    if (!this.params.length) {
      this.grid.append(
        element("div", "live-nb-launch-hint", "No parameters found: add -S items below (+key=value needs a cell tagged parameters)."),
      );
    }
    this.params.forEach(({ key, value, where }, index) => {
      const input = element("input");
      input.type = "text";
      input.id = `live-nb-launch-${index}-${Math.random().toString(36).slice(2)}`;
      input.dataset.key = key;
      input.value = kept.get(key) ?? String(value);
      const label = element("label", "", key);
      label.htmlFor = input.id;
      label.title = `${key}, from the ${where}`;
      label.append(element("small", "", where));
      this.grid.append(label, input);
      this.inputs.set(key, input);
    });
  }

  edited() {
    return Object.fromEntries([...this.inputs].map(([key, input]) => [key, input.value]));
  }

  async submit(now) {
    if (this.notebook === null) return;
    for (const input of [...this.inputs.values(), this.extra]) input.removeAttribute("aria-invalid");
    const params = itemsOf(this.params, this.edited(), this.extra.value);
    const jobs = Number.parseInt(this.jobs.value, 10);
    this.run.disabled = this.queueButton.disabled = true;
    this.say("", now ? "Starting…" : "Queueing…");
    try {
      const answer = await this.client.act(this.notebook, "launch", { params, now, jobs: Number.isFinite(jobs) ? jobs : 1 });
      let message = String(answer.data?.message ?? `The server answered ${answer.status}.`);
      if (answer.ok && this.isDirty(this.notebook)) {
        message += " The notebook has unsaved changes: the runs use it as last saved.";
      }
      this.say(answer.ok ? "ok" : "error", message);
      if (!answer.ok && answer.data?.kind === "params") this.markInvalid(answer.data.item);
      if (answer.ok) await this.readQueue();
    } catch (error) {
      this.say("error", `The request failed: ${error?.message ?? error}`);
    } finally {
      this.run.disabled = this.queueButton.disabled = false;
    }
  }

  markInvalid(item) {
    const input = item ? this.inputs.get(keyOf(item)) : null;
    (input ?? (item ? this.extra : null))?.setAttribute("aria-invalid", "true");
  }

  async readQueue() {
    const path = this.path;
    if (path === null || this.reading) return;
    this.reading = true;
    try {
      const answer = await this.client.get("launch/queue", path);
      if (path !== this.path) return;
      this.drawQueue(answer.ok ? answer.data : null, answer.ok ? "" : String(answer.data?.message ?? ""));
    } catch {
      // the table's read says when the server cannot be reached
    } finally {
      this.reading = false;
    }
  }

  drawQueue(state, problem) {
    this.queue.hidden = state === null && !problem;
    this.workerPid = state?.worker?.pid ?? null;
    if (state === null) {
      this.worker.textContent = problem;
      this.workerButton.hidden = true;
      this.runs.replaceChildren();
      return;
    }
    this.workerButton.hidden = false;
    const counts = `${state.queued} queued, ${state.running} running`;
    this.worker.textContent = this.workerPid
      ? `Worker: process ${this.workerPid} (${counts})`
      : `No worker (${counts})`;
    this.workerButton.textContent = this.workerPid ? "Stop worker" : "Start worker";
    this.workerButton.dataset.action = this.workerPid ? "stop" : "start";
    this.runs.replaceChildren(
      ...state.runs.map((row) => {
        const item = element("li");
        item.dataset.status = row.status;
        item.dataset.run = row.name;
        const name = element("span", "", row.name);
        name.title = `${row.name} · ${row.notebook}`;
        const status = element("span", "", [row.status, duration(row.elapsed)].filter(Boolean).join(" · "));
        if (row.error) status.title = row.error;
        item.append(name, status, element("span", "live-nb-launch-runparams", row.params || "(as saved)"));
        return item;
      }),
    );
  }

  async toggleWorker() {
    if (this.path === null) return;
    const action = this.workerPid ? "stop" : "start";
    const jobs = Number.parseInt(this.jobs.value, 10);
    this.workerButton.disabled = true;
    try {
      const answer = await this.client.act(this.path, "launch/worker", { action, jobs: Number.isFinite(jobs) ? jobs : 1 });
      this.say(answer.ok ? "ok" : "error", String(answer.data?.message ?? `The server answered ${answer.status}.`));
      await this.readQueue();
    } catch (error) {
      this.say("error", `The request failed: ${error?.message ?? error}`);
    } finally {
      this.workerButton.disabled = false;
    }
  }

  say(state, text) {
    this.statusLine.say(state, text);
  }

  dispose() {
    clearInterval(this.timer);
    this.statusLine.dispose();
  }
}
