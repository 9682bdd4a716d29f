// @vitest-environment jsdom
// A run's view (lab/src/runview.js): what it shows of the server's answer, as text, and the
// notebook in a sandboxed iframe.
import { describe, expect, it, vi } from "vitest";

// jsdom has no DragEvent, which @lumino/dragdrop (under @lumino/widgets) extends
vi.hoisted(() => {
  globalThis.DragEvent ??= class DragEvent extends globalThis.MouseEvent {};
});
import { changedRows, RunView, shown, table } from "../lab/src/runview.js";
import { PanelModel } from "../lab/src/model.js";

const REF = `refs/exps/ab/${"c".repeat(38)}/fast`;
const RUN = {
  name: "<b>fast</b>",
  id: REF,
  commit: "d".repeat(40),
  baseline: "a".repeat(40),
  message: "%%live cell [3]: ok",
  spec: { mark: "point" },
  downsampled: true,
  images: 0,
  images_skipped: 0,
  params: [["lr", 0.3]],
  metrics: [["loss", 0.4]],
  diff: {
    old: "main",
    new: "fast",
    metrics: [{ path: "dvclive/metrics.json", key: "loss", old: 0.9, new: 0.4, change: -0.5 }],
    params: [{ path: "dvclive/params.yaml", key: "epochs", old: 3, new: 3, change: 0 }],
    files: [["M", "train.ipynb"]],
  },
  notebook: { path: "dvclive/execution.ipynb", kind: "executed" },
};

function client(answers) {
  return { get: vi.fn(async (route) => answers[route]) };
}
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a run's view", () => {
  it("formats values and keeps the changed rows of a diff", () => {
    expect([shown(null), shown(0.123456789), shown(3), shown("x"), shown([1])]).toEqual(["-", "0.123457", "3", "x", "[1]"]);
    expect(changedRows(RUN.diff.params)).toEqual([]);
    expect(table(["a"], [["<i>x</i>"]]).querySelector("td").textContent).toBe("<i>x</i>");
  });

  it("shows the run's charts, values, diff and its notebook read-only", async () => {
    const render = vi.fn(() => () => {});
    const answers = {
      run: { ok: true, status: 200, data: RUN },
      "run/notebook": { ok: true, status: 200, data: { path: "dvclive/execution.ipynb", html: "<p>ran</p>" } },
    };
    const api = client(answers);
    const view = new RunView({ client: api, path: "project", id: REF, loadBundle: async () => ({ default: { render } }) });
    await flush();
    await flush();
    expect(api.get).toHaveBeenCalledWith("run", "project", { id: REF });
    expect(view.title.label).toBe("<b>fast</b>");
    expect(view.node.querySelector("h2").textContent).toBe("<b>fast</b>");
    expect(view.node.querySelector("b")).toBeNull(); // text, never HTML
    expect(render.mock.calls[0][0].model.get("spec")).toEqual({ mark: "point" });
    expect(render.mock.calls[0][0].model.get("view")).toBe("run");
    const diff = view.node.querySelector('[data-role="diff"]').textContent;
    expect(diff).toContain("loss") && expect(diff).not.toContain("epochs");
    const frame = view.node.querySelector("iframe");
    expect(frame.getAttribute("sandbox")).toBe("");
    expect(frame.srcdoc).toBe("<p>ran</p>");
    expect(view.node.textContent).toContain("thinned");
    view.dispose();
  });

  it("says why a run cannot be shown", async () => {
    const answers = { run: { ok: false, status: 404, data: { message: "'x' is not an experiment" } } };
    const view = new RunView({ client: client(answers), path: "", id: "x", loadBundle: async () => null });
    await flush();
    expect(view.node.textContent).toContain("'x' is not an experiment");
    view.dispose();
  });

  it("stars through the panel's star route", async () => {
    const calls = [];
    const model = new PanelModel({
      histories: async () => ({ ok: true, data: {} }),
      act: async (action, body) => (calls.push([action, body]), { ok: true, status: 200, data: { message: "Starred fast" } }),
      reload: async () => ({ rows: 2 }),
      keep: () => [],
    });
    const replies = [];
    model.on("msg:custom", (message) => replies.push(message));
    model.send({ type: "star", request: "r1", id: REF, starred: true });
    await flush();
    expect(calls).toEqual([["star", { id: REF, starred: true }]]);
    expect(replies[0]).toMatchObject({ type: "result", action: "star", ok: true, request: "r1" });
  });
});
