// @vitest-environment jsdom
// Rows of DVC's queue and of live_nb's queue (live_nb/widgets/table.py's `state` and `queue`):
// every one shown with its State as a badge, the buttons that cannot act on it disabled with
// the reason as their tooltip.
import { afterEach, describe, expect, it, vi } from "vitest";
import { TableView } from "../src/table/index.js";
import { queuedReason, stateBadge } from "../src/table/logic.js";
import { FakeModel } from "./support/model.js";

const B = "b".repeat(40);
const COLUMNS = ["Experiment", "rev", "typ", "Created", "State", "Executor"].map((name) => ({
  name,
  kind: "meta",
  type: "text",
}));
COLUMNS.push({ name: "acc", kind: "metric", type: "number" });

function row(id, name, { commit = id.slice(-40), state = null, queue = null, executor = null, acc = null } = {}) {
  const result = { id, kind: "experiment", baseline: B, commit, values: [name, commit ? commit.slice(0, 7) : "", "branch_commit", null, state, executor, acc] };
  if (state) result.state = state;
  if (queue) result.queue = queue;
  return result;
}

const ROWS = [
  { id: B, kind: "baseline", baseline: null, commit: B, values: ["main", "bbbbbbb", "baseline", null, null, null, 0.5] },
  row(`refs/exps/bb/${"b".repeat(38)}/done`, "done", { commit: "c".repeat(40), acc: 0.7 }),
  row(`dvc-task:${"d".repeat(40)}`, "waits", { state: "queued", queue: "dvc", executor: "dvc-task" }),
  row(`dvc-task:${"e".repeat(40)}`, "breaks", { state: "failed", queue: "dvc" }),
  row("live-nb:later", "later", { commit: null, state: "queued", queue: "live-nb", executor: "live-nb" }),
  row("live-nb:busy", "busy", { commit: null, state: "running", queue: "live-nb", executor: "live-nb" }),
];

let views = [];
function mount() {
  const model = new FakeModel({ columns: COLUMNS, rows: ROWS, sort_by: "", sort_order: "asc", filter_text: "", hide_unchanged: false, selection: [] });
  const el = document.createElement("div");
  document.body.appendChild(el);
  const view = new TableView(model, el, { embedFn: vi.fn(async () => ({ finalize() {} })) });
  views.push(view);
  return { model, el, view };
}
afterEach(() => {
  for (const view of views) view.destroy();
  views = [];
  document.body.replaceChildren();
});

const tick = (el, name) => {
  const box = el.querySelector(`tr[data-experiment="${name}"] input[type=checkbox]`);
  box.checked = !box.checked;
  box.dispatchEvent(new window.Event("change", { bubbles: true }));
};
const button = (el, action) => el.querySelector(`button[data-action="${action}"]`);

describe("queued, running and failed runs in the table", () => {
  it("shows every row, each queue's run with its state as a badge after its name", () => {
    const { el } = mount();
    const names = [...el.querySelectorAll("tbody tr[data-id]")].map((tr) => tr.getAttribute("data-experiment"));
    expect(names).toEqual(["main", "done", "waits", "breaks", "later", "busy"]);
    const badges = [...el.querySelectorAll(".live-nb-table-state")].map((b) => [b.closest("tr").getAttribute("data-experiment"), b.textContent]);
    expect(badges).toEqual([["waits", "Queued"], ["breaks", "Failed"], ["later", "Queued"], ["busy", "Running"]]);
    expect(el.querySelector('tr[data-experiment="later"] .live-nb-table-state').title).toContain("live_nb's queue");
    // the State and Executor columns are details: the badge says the state
    const headers = [...el.querySelectorAll("thead th[data-column]")].map((th) => th.getAttribute("data-column"));
    expect(headers).not.toContain("State");
  });

  it("applies DVC's queued and failed tasks, as dvc exp apply does, and nothing else of a queue", () => {
    const { el } = mount();
    tick(el, "breaks");
    expect(button(el, "apply").disabled).toBe(false);
    expect(button(el, "branch").disabled).toBe(true);
    expect(button(el, "branch").title).toContain("breaks is a failed run of DVC's queue");
    expect(button(el, "remove").disabled).toBe(true);
    tick(el, "breaks");
    tick(el, "later");
    for (const action of ["apply", "branch", "remove", "push"]) {
      expect(button(el, action).disabled).toBe(true);
      expect(button(el, action).title).toMatch(/later is queued in live_nb's queue and has not run/);
    }
    tick(el, "later");
    tick(el, "busy");
    expect(button(el, "apply").title).toBe("busy is still running: it can be applied once it has saved its experiment.");
    tick(el, "busy");
    tick(el, "done");
    expect(button(el, "apply").disabled).toBe(false);
    expect(button(el, "remove").disabled).toBe(false);
  });

  it("gives no badge to a run that succeeded, and no reason for a saved experiment", () => {
    expect(stateBadge({ state: "success", queue: null })).toBeNull();
    expect(stateBadge({ state: "unfinished", queue: null }).text).toBe("Unfinished");
    expect(queuedReason({ state: "running", queue: null }, "apply")).toBeNull();
    expect(queuedReason({ state: "queued", queue: "dvc" }, "apply")).toBeNull();
    expect(queuedReason({ state: "running", queue: "dvc" }, "apply", "x")).toMatch(/x is still running/);
  });
});

describe("the table's layout at 800 px and in a narrow sidebar", async () => {
  const { columnWidths, displayOrder, prepareEntries } = await import("../src/table/logic.js");
  const columns = [
    { name: "Experiment", kind: "meta", type: "text" },
    { name: "Created", kind: "meta", type: "text" },
    { name: "Message", kind: "meta", type: "text" },
    { name: "Notes", kind: "meta", type: "text" },
    { name: "acc", kind: "metric", type: "number" },
    { name: "lr", kind: "param", type: "number" },
    { name: "data", kind: "dep", type: "text" },
  ];
  const names = (order) => order.map((index) => columns[index].name);

  it("puts the notes after the date, and in a compact table the first metric after the name", () => {
    expect(names(displayOrder(columns))).toEqual(["Experiment", "Created", "Notes", "acc", "lr", "data", "Message"]);
    expect(names(displayOrder(columns, { compact: true }))).toEqual(["Experiment", "acc", "lr", "data", "Notes", "Created", "Message"]);
  });

  it("cuts long notes, messages and md5s (their tooltip holds them whole)", () => {
    const long = "x".repeat(80);
    const rows = [{ id: "a", kind: "experiment", values: ["a", null, long, long, 1, 1, "d".repeat(32)] }];
    const widths = columnWidths(prepareEntries(rows, columns), columns);
    expect(widths[3]).toBe(20);
    expect(widths[2]).toBe(28);
    expect(widths[6]).toBe(10);
  });

  it("goes compact below its width threshold: the name cut, a badge a dot, the first metric beside", () => {
    const { el, view } = mount();
    Object.defineProperty(view.root, "clientWidth", { configurable: true, value: 250 });
    view.checkWidth();
    expect(view.root.hasAttribute("data-compact")).toBe(true);
    const headers = [...el.querySelectorAll("thead th[data-column]")].map((th) => th.getAttribute("data-column"));
    expect(headers.slice(0, 2)).toEqual(["Experiment", "acc"]);
    expect(el.querySelector("col:nth-child(2)").style.width).toBe("calc(16ch + 12px)");
    Object.defineProperty(view.root, "clientWidth", { configurable: true, value: 700 });
    view.checkWidth();
    expect(view.root.hasAttribute("data-compact")).toBe(false);
  });
});
