// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { metricsText, RunsView, statusDetail } from "../src/runs/index.js";
import { FakeModel } from "./support/model.js";

const XSS = "<img src=x onerror=alert(1)>";

function row(overrides = {}) {
  return {
    id: "1-a", name: "tidal-heron", target: "train.ipynb", params: "lr=0.1", status: "running",
    step: 3, metrics: { loss: 0.123456789, acc: 0.9 }, elapsed: 75, experiment: null, error: null,
    restored_from: null, ...overrides,
  };
}

function view(rows, note = "") {
  const model = new FakeModel({ rows, note });
  const el = document.createElement("div");
  new RunsView(model, el);
  return { model, el };
}

describe("the runs view", () => {
  it("shows a row per run with its params, step, metrics and elapsed time", () => {
    const { el } = view([row(), row({ id: "2-b", name: "calm-fox", status: "queued", step: null, metrics: {}, elapsed: null })]);
    const cells = [...el.querySelectorAll("tbody tr")].map((tr) => [...tr.children].map((td) => td.textContent));
    expect(cells[0]).toEqual(["tidal-heronlr=0.1", "running 1:15Stop", "step 3loss=0.123457acc=0.9"]);
    expect(cells[1]).toEqual(["calm-foxlr=0.1", "queuedCancel", ""]);
  });

  it("sends a kill for the run whose stop button is pressed, and hides it once finished", () => {
    const { model, el } = view([row(), row({ id: "2-b", status: "done", experiment: "tidal-heron-2" })]);
    const buttons = [...el.querySelectorAll("button")].filter((b) => !b.hidden);
    expect(buttons.length).toBe(1); // none for the finished run
    buttons[0].click();
    expect(model.sent).toEqual([{ kind: "kill", id: "1-a" }]);
    expect(el.textContent).toContain("saved as tidal-heron-2");
  });

  it("redraws when the kernel sends new rows", () => {
    const { model, el } = view([row()]);
    model.set("rows", [row({ status: "failed", error: "ValueError: bad lr" })]);
    expect(el.querySelector("tbody").textContent).toContain("ValueError: bad lr");
    expect(el.querySelector("[data-status]").dataset.status).toBe("failed");
  });

  it("shows whatever a user typed as text, never as markup", () => {
    const { el } = view([row({ name: XSS, params: XSS, metrics: { [XSS]: XSS } })], XSS);
    expect(el.querySelector("img")).toBeNull();
    expect(el.textContent).toContain(XSS);
  });
});

it("keeps each row's stop button across refreshes, so that a click is never lost", () => {
  const { model, el } = view([row({ elapsed: 1 })]);
  const button = el.querySelector("button");
  model.set("rows", [row({ elapsed: 2, step: 4 })]);
  expect(el.querySelector("button")).toBe(button);
  expect(el.textContent).toContain("step 4");
  model.set("rows", [row({ status: "killed", elapsed: 3 })]);
  expect(button.hidden).toBe(true);
});

describe("the cells' text", () => {
  it("counts the metrics it leaves out", () => {
    expect(metricsText({ a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 })).toBe("a=1  b=2  c=3  d=4  +2 more");
  });

  it("says where a cached run came from", () => {
    expect(statusDetail(row({ status: "cached", restored_from: "old-run" }))).toBe("same inputs as old-run");
  });
});
