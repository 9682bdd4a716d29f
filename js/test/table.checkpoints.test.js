// @vitest-environment jsdom
// Checkpoint chains in the experiments table: rows under their experiment, collapsed until
// toggled, following it through sorting and filtering; apply and branch take a checkpoint,
// remove and push only whole experiments.
import { afterEach, describe, expect, it, vi } from "vitest";
import { checkpointGlyph, splitCheckpoints, toggleLabel, withChains } from "../src/table/checkpoints.js";
import { TableView } from "../src/table/index.js";
import { buttonStates, selectedExperiments } from "../src/table/logic.js";
import { pushEnabled } from "../src/table/push.js";
import { FakeModel } from "./support/model.js";

const B = "b".repeat(40);
const TRAITS = { sort_by: "", sort_order: "asc", filter_text: "", hide_unchanged: false, selection: [] };
const COLUMNS = [
  ...["Experiment", "rev", "typ", "Created", "Message", "parent"].map((name) => ({ name, kind: "meta", type: "text" })),
  { name: "step", kind: "metric", type: "integer" },
  { name: "loss", kind: "metric", type: "number" },
];
const REF = (name) => `refs/exps/bb/bbb/${name}`;

function row(id, kind, name, step, loss, extra = {}) {
  const rev = (extra.rev ?? "c").padEnd(7, "0");
  return {
    id,
    kind,
    baseline: kind === "baseline" ? null : B,
    commit: rev.padEnd(40, "0"),
    values: [name, rev, kind === "checkpoint" ? "checkpoint" : "branch_commit", null, "m", "bbbbbbb", step, loss],
    ...extra,
  };
}

// main; night (step 3) with checkpoints at 2, 1, 0; day (step 1) without any.
function state() {
  const link = (step) =>
    row(`${REF("night")}@${String(step).repeat(40)}`, "checkpoint", `night@${step}`, step, 1 / (step + 1), {
      parent: REF("night"),
      rev: String(step),
    });
  return {
    ...TRAITS,
    columns: COLUMNS,
    rows: [
      row(B, "baseline", "main", null, null, { baseline: null }),
      row(REF("night"), "experiment", "night", 3, 0.25),
      link(2),
      link(1),
      link(0),
      row(REF("day"), "experiment", "day", 1, 0.9),
    ],
  };
}

let views = [];
function mount(traits = {}) {
  const model = new FakeModel({ ...state(), ...traits });
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

const names = (el) => [...el.querySelectorAll("tbody tr[data-id]")].map((tr) => tr.getAttribute("data-experiment"));
const click = (node) => node.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
const toggle = (el, name) => el.querySelector(`tr[data-experiment="${name}"] [data-role="chain"]`);
const tick = (el, name) => {
  const box = el.querySelector(`tr[data-experiment="${name}"] input[type=checkbox]`);
  box.checked = !box.checked;
  box.dispatchEvent(new window.Event("change", { bubbles: true }));
};
const button = (el, action) => el.querySelector(`button[data-action="${action}"]`);

describe("checkpoint chains in the table", () => {
  it("are collapsed by default, behind a toggle that says how many", () => {
    const { el } = mount();
    expect(names(el)).toEqual(["main", "night", "day"]);
    const night = toggle(el, "night");
    expect(night.textContent).toBe("▸ 3");
    expect(night.getAttribute("aria-expanded")).toBe("false");
    expect(night.getAttribute("aria-label")).toBe("Show the 3 checkpoint(s) of night");
    expect(toggle(el, "day")).toBeNull(); // no chain, no toggle
    expect(el.querySelector(".live-nb-table-count").textContent).toBe("3 of 3 rows");
  });

  it("open under their experiment with their step and metrics, and close again", () => {
    const { el } = mount();
    click(toggle(el, "night"));
    expect(names(el)).toEqual(["main", "night", "night@2", "night@1", "night@0", "day"]);
    expect(toggle(el, "night").getAttribute("aria-expanded")).toBe("true");
    const cells = [...el.querySelectorAll('tr[data-experiment="night@1"] td')].map((td) => td.textContent);
    expect(cells[1]).toBe("│   ╟ night@1");
    expect(cells).toContain("1");
    expect(cells).toContain("0.5");
    expect(el.querySelector('tr[data-experiment="night@0"] td:nth-child(2)').textContent).toBe("│   ╙ night@0");
    expect(el.querySelector('tr[data-experiment="night"] td:nth-child(2)').textContent).toBe("├── ▾ 3night");
    expect(el.querySelector(".live-nb-table-count").textContent).toBe("3 of 3 rows · 3 checkpoint(s) shown");
    click(toggle(el, "night"));
    expect(names(el)).toEqual(["main", "night", "day"]);
  });

  it("draw every row in view when opened in a box still sized for the closed table", () => {
    const links = Array.from({ length: 12 }, (_, index) => 11 - index).map((step) =>
      row(`${REF("night")}@${String(step % 10).repeat(40)}${step}`, "checkpoint", `night@${step}`, step, 1, {
        parent: REF("night"),
      }),
    );
    const rows = state().rows.filter((entry) => entry.kind !== "checkpoint");
    rows.splice(2, 0, ...links);
    const { el, view } = mount({ rows });
    // three rows tall, as a box holding main, night and day is before it grows
    Object.defineProperty(view.grid.scroll, "clientHeight", { value: 72, configurable: true });
    click(toggle(el, "night"));
    expect(names(el)).toHaveLength(15);
    expect(names(el).at(-1)).toBe("day");
  });

  it("follow their experiment when sorted and filtered", () => {
    const { el, model } = mount();
    click(toggle(el, "night"));
    model.set("sort_by", "loss");
    model.set("sort_order", "desc");
    expect(names(el)).toEqual(["main", "day", "night", "night@2", "night@1", "night@0"]);
    // the last experiment's chain draws no branch line on its left
    expect(el.querySelector('tr[data-experiment="night@2"] td:nth-child(2)').textContent).toBe("    ╟ night@2");
    model.set("filter_text", "day");
    expect(names(el)).toEqual(["day"]); // filtered out with its experiment
    model.set("filter_text", "night");
    expect(names(el)).toEqual(["night", "night@2", "night@1", "night@0"]);
  });

  it("can be applied and branched, not removed or pushed", () => {
    const { el, model } = mount();
    click(toggle(el, "night"));
    tick(el, "night@1");
    expect(button(el, "apply").disabled).toBe(false);
    expect(button(el, "branch").disabled).toBe(false);
    expect(button(el, "remove").disabled).toBe(true);
    expect(button(el, "push").disabled).toBe(true);
    click(button(el, "apply"));
    click(el.querySelector('button[data-action="confirm"]'));
    expect(model.last("apply")).toMatchObject({ type: "apply", id: `${REF("night")}@${"1".repeat(40)}` });
  });
});

describe("the chain helpers", () => {
  const entries = [
    { id: "e", kind: "experiment", baseline: B },
    { id: "e@1", kind: "checkpoint", parent: "e" },
    { id: "lost@1", kind: "checkpoint", parent: "gone" },
    { id: "f", kind: "experiment", baseline: B },
  ];

  it("split the rows and put open chains back", () => {
    const { top, chains } = splitCheckpoints(entries);
    expect(top.map((e) => e.id)).toEqual(["e", "f"]);
    expect([...chains.keys()]).toEqual(["e"]); // a checkpoint of no shown experiment is left out
    expect(withChains(top, chains, new Set()).map((e) => e.id)).toEqual(["e", "f"]);
    expect(withChains(top, chains, new Set(["e"])).map((e) => e.id)).toEqual(["e", "e@1", "f"]);
    expect(checkpointGlyph([entries[0], entries[1], entries[3]], 1)).toBe("│   ╙ ");
    expect(toggleLabel(2, true, "e")).toEqual({ text: "▾ 2", label: "Hide the 2 checkpoint(s) of e" });
  });

  it("let the buttons act on checkpoints where they can", () => {
    const byId = new Map(entries.map((e) => [e.id, e]));
    const chosen = selectedExperiments(new Set(["e@1"]), byId);
    expect(chosen.map((e) => e.id)).toEqual(["e@1"]);
    expect(buttonStates(chosen, false)).toMatchObject({ apply: true, branch: true, remove: false });
    expect(pushEnabled(chosen, false)).toBe(false);
    expect(pushEnabled(selectedExperiments(new Set(["e", "f"]), byId), false)).toBe(true);
  });
});
