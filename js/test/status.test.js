// @vitest-environment jsdom
// One message at a time (js/src/common/status.js): a success fades, an error waits for its ×,
// and the sidebar's sections replace each other's messages; the runs view's sparklines each
// have their own theme colour.
import { afterEach, describe, expect, it, vi } from "vitest";
import { StatusGroup, StatusLine } from "../src/common/status.js";
import { RunsView } from "../src/runs/index.js";
import { FakeModel } from "./support/model.js";

afterEach(() => vi.useRealTimers());

function line(group = null) {
  const node = document.createElement("div");
  return { node, status: new StatusLine(node, { group, expireMs: 1000 }) };
}

describe("status lines", () => {
  it("keep only the latest message, and a success fades", () => {
    vi.useFakeTimers();
    const { node, status } = line();
    status.say("info", "Applying good…");
    status.say("ok", "Applied experiment 'good'.");
    expect(node.textContent).toBe("Applied experiment 'good'.");
    vi.advanceTimersByTime(999);
    expect(node.hidden).toBe(false);
    vi.advanceTimersByTime(1);
    expect(node.hidden).toBe(true);
    expect(status.text).toBe("");
  });

  it("keep an error until its × is clicked", () => {
    vi.useFakeTimers();
    const { node, status } = line();
    status.say("error", "Git is busy.");
    vi.advanceTimersByTime(60_000);
    expect(status.text).toBe("Git is busy.");
    expect(node.getAttribute("role")).toBe("alert");
    node.querySelector("button.live-nb-status-dismiss").click();
    expect(node.hidden).toBe(true);
  });

  it("replace each other within a group, errors kept", () => {
    const group = new StatusGroup();
    const table = line(group);
    const launch = line(group);
    const note = line(group);
    table.status.say("ok", "Applied.");
    note.status.say("error", "The note is too long.");
    launch.status.say("ok", "Queued 1 run(s).");
    expect([table.status.text, launch.status.text, note.status.text]).toEqual(["", "Queued 1 run(s).", "The note is too long."]);
    launch.status.dispose();
    table.status.say("info", "Reading…");
    expect(launch.status.text).toBe("Queued 1 run(s)."); // gone from the group
  });
});

describe("the runs view's sparklines", () => {
  it("give each metric its own colour", () => {
    const model = new FakeModel({
      rows: [{ id: "1", name: "a", status: "running", step: 3, metrics: { loss: 0.1, acc: 0.9 }, sparklines: { loss: [1, 0.5, 0.1], acc: [0.1, 0.5, 0.9] }, elapsed: 7 }],
      note: "",
    });
    const el = document.createElement("div");
    document.body.appendChild(el);
    new RunsView(model, el);
    const series = [...el.querySelectorAll("svg.live-nb-runs-spark")].map((svg) => svg.getAttribute("data-series"));
    expect(series).toEqual(["0", "1"]);
    const css = el.querySelector("style")?.textContent ?? document.head.textContent;
    expect(css).toContain('.live-nb-runs-spark[data-series="1"] { color: var(--jp-warn-color1');
    expect(el.textContent).toContain("0:07");
  });
});

describe("the sidebar's note editor", async () => {
  const { notedExperiment } = await import("../lab/src/note.js");
  const columns = [{ name: "Experiment", kind: "meta", type: "text" }, { name: "Notes", kind: "meta", type: "text" }];
  const model = (rows, selection) => new FakeModel({ rows, columns, selection });

  it("offers a note for a saved experiment, not for a queue's run", () => {
    const saved = { id: "refs/exps/aa/bb/good", kind: "experiment", values: ["good", "fine"] };
    const queued = { id: "live-nb:later", kind: "experiment", queue: "live-nb", values: ["later", null] };
    expect(notedExperiment(model([saved, queued], [saved.id]))).toEqual({ id: saved.id, name: "good", note: "fine" });
    expect(notedExperiment(model([saved, queued], [queued.id]))).toBeNull();
  });
});
