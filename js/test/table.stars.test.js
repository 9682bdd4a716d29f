// @vitest-environment jsdom
// Stars in the shared table (%exp_show and the sidebar): a star button per experiment, the
// starred ones pinned to the top, and (where the front end can) a name that opens the run.
import { afterEach, describe, expect, it, vi } from "vitest";
import { chartWidth, thinnedNote } from "../src/table/charts.js";
import { TableView } from "../src/table/index.js";
import { displayOrder, pinStarred, prepareEntries, treeGlyph } from "../src/table/logic.js";
import { FakeModel } from "./support/model.js";

const B = "b".repeat(40);
const COLUMNS = [
  { name: "Experiment", kind: "meta", type: "text" },
  { name: "loss", kind: "metric", type: "number" },
  { name: "Star", kind: "meta", type: "text" },
];
const ref = (name) => `refs/exps/bb/${"b".repeat(38)}/${name}`;
const ROWS = [
  { id: "workspace", kind: "workspace", baseline: B, commit: null, values: ["workspace", 0.5, null] },
  { id: B, kind: "baseline", baseline: null, commit: B, values: ["main", 0.5, null] },
  { id: ref("a"), kind: "experiment", baseline: B, commit: "a".repeat(40), values: ["a", 0.4, null] },
  { id: ref("b"), kind: "experiment", baseline: B, commit: "c".repeat(40), values: ["b", 0.3, "★"] },
];
const TRAITS = { sort_by: "", sort_order: "asc", filter_text: "", hide_unchanged: false, selection: [] };

let views = [];
function mount(model) {
  const el = document.createElement("div");
  document.body.appendChild(el);
  views.push(new TableView(model, el, { embedFn: vi.fn(async () => ({ finalize() {} })) }));
  return el;
}
afterEach(() => {
  for (const view of views) view.destroy();
  views = [];
  document.body.replaceChildren();
});
const click = (node) => node.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
const names = (el) => [...el.querySelectorAll("tbody tr[data-id]")].map((tr) => tr.getAttribute("data-experiment"));

describe("stars", () => {
  it("pins starred experiments above the tree, without a tree glyph", () => {
    const entries = pinStarred(prepareEntries(ROWS, COLUMNS), 2);
    expect(entries.map((entry) => entry.text[0])).toEqual(["b", "workspace", "main", "a"]);
    expect(treeGlyph(entries, 0)).toBe("");
    expect(treeGlyph(entries, 3)).toBe("└── ");
    expect(displayOrder(COLUMNS).map((index) => COLUMNS[index].name)).toEqual(["Experiment", "loss"]);
  });

  it("draws a star button per experiment and sends a star request when clicked", () => {
    const model = new FakeModel({ ...TRAITS, columns: COLUMNS, rows: ROWS });
    const el = mount(model);
    expect(names(el)).toEqual(["b", "workspace", "main", "a"]);
    const stars = [...el.querySelectorAll("button[data-star]")];
    expect(stars.map((star) => star.getAttribute("aria-pressed"))).toEqual(["true", "false"]);
    expect(el.querySelector(`tr[data-id="${ref("a")}"] td:nth-child(2)`).textContent).toBe("└── a");
    expect(el.querySelector("tr.live-nb-table-pinned-last").getAttribute("data-experiment")).toBe("b");
    click(stars[1]);
    expect(model.sent.at(-1)).toMatchObject({ type: "star", id: ref("a"), starred: true });
    expect(el.querySelector("[data-open]")).toBeNull(); // %exp_show has no run view to open
  });

  it("unstars a starred experiment, and opens a run where the model can", () => {
    const model = new FakeModel({ ...TRAITS, columns: COLUMNS, rows: ROWS });
    model.open = vi.fn();
    const el = mount(model);
    click(el.querySelector(`tr[data-id="${ref("b")}"] button[data-star]`));
    expect(model.sent.at(-1)).toMatchObject({ type: "star", id: ref("b"), starred: false });
    click(el.querySelector(`tr[data-id="${ref("a")}"] button[data-open]`));
    expect(model.open).toHaveBeenCalledWith(ref("a"));
  });
});

describe("the overlay in a narrow panel", () => {
  it("fits its charts to the width there is", () => {
    expect(chartWidth(0)).toBe(300); // not laid out yet
    expect(chartWidth(1200)).toBe(300);
    expect(chartWidth(280)).toBe(208);
    expect(chartWidth(100)).toBe(140);
  });

  it("says in one line which runs are thinned", () => {
    const labels = Array.from({ length: 20 }, (_, i) => `run-${i}`);
    expect(thinnedNote(labels)).toBe(
      "Long histories are thinned to each stretch's highs and lows: " +
        "run-0, run-1, run-2, run-3, run-4, run-5 and 14 more.",
    );
  });
});
