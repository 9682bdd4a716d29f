// @vitest-environment jsdom
// The sidebar's model (lab/src/model.js): the table view of %exp_show, driven by HTTP answers
// instead of a kernel, through the same messages.
import { describe, expect, it } from "vitest";
import { TableView } from "../src/table/index.js";
import { messageOf, PanelModel } from "../lab/src/model.js";
import { makeClient } from "../lab/src/client.js";

const COLUMNS = [
  { name: "Experiment", kind: "meta", type: "text" },
  { name: "loss", kind: "metric", type: "number" },
];
const REF = `refs/exps/ab/${"c".repeat(38)}/fast`;
const ROWS = [
  { id: "workspace", kind: "workspace", baseline: null, commit: null, values: ["workspace", 0.5] },
  { id: REF, kind: "experiment", baseline: null, commit: "d".repeat(40), values: ["fast", 0.4] },
];

function fakeApi(answers = {}) {
  const calls = [];
  return {
    calls,
    histories: async (ids) => (calls.push(["histories", ids]), answers.histories),
    act: async (action, body) => (calls.push([action, body]), answers.act),
    reload: async () => (calls.push(["reload"]), { rows: 2 }),
    keep: () => ["project/train.ipynb"],
  };
}

function reply(model, content) {
  return new Promise((resolve) => {
    const handler = (message) => {
      model.off("msg:custom", handler);
      resolve(message);
    };
    model.on("msg:custom", handler);
    model.send(content);
  });
}

describe("PanelModel", () => {
  it("emits a change event only when a value changes", () => {
    const model = new PanelModel(fakeApi());
    const seen = [];
    model.on("change:rows", (rows) => seen.push(rows.length));
    model.setTable(COLUMNS, ROWS);
    model.set("rows", model.get("rows"));
    expect(seen).toEqual([2]);
  });

  it("answers a history request with the route's histories", async () => {
    const histories = { [REF]: { metrics: { loss: { step: [0], value: [0.4] } }, error: null } };
    const api = fakeApi({ histories: { ok: true, status: 200, data: { histories } } });
    const message = await reply(new PanelModel(api), { type: "history", request: "r1", ids: [REF] });
    expect(message).toEqual({ type: "history", request: "r1", histories, error: null });
  });

  it("applies with the open files kept, reads the table again, then says what was done", async () => {
    const api = fakeApi({ act: { ok: true, status: 200, data: { ok: true, message: "Applied." } } });
    const message = await reply(new PanelModel(api), { type: "apply", request: 7, id: REF, force: false });
    expect(api.calls).toEqual([["apply", { id: REF, force: false, keep: ["project/train.ipynb"] }], ["reload"]]);
    expect(message).toMatchObject({ type: "result", request: 7, action: "apply", ok: true, message: "Applied." });
  });

  it("passes uncommitted work on as the view's error kind, so it offers a backup", async () => {
    const data = { kind: "uncommitted", message: "Cannot apply: params.yaml has changes." };
    const api = fakeApi({ act: { ok: false, status: 409, data } });
    const message = await reply(new PanelModel(api), { type: "apply", request: 1, id: REF });
    expect(message).toMatchObject({ ok: false, error_kind: "uncommitted", message: data.message });
    expect(api.calls.map(([name]) => name)).toEqual(["apply"]);
  });

  it("passes a refused branch name on as the view's error kind, so the name box stays open", async () => {
    const data = { kind: "branch_name", message: "'a b' is not a valid Git branch name." };
    const api = fakeApi({ act: { ok: false, status: 400, data } });
    const content = { type: "branch", request: 2, id: REF, branch_name: "a b" };
    const message = await reply(new PanelModel(api), content);
    expect(message).toMatchObject({ ok: false, error_kind: "branch_name", message: data.message });
  });

  it("says the status when the server's answer has no message", () => {
    expect(messageOf({ ok: false, status: 502, data: null })).toBe("The server answered 502.");
  });

  it("drives the real table view: rows shown, names as text", async () => {
    const model = new PanelModel(fakeApi());
    model.setTable(COLUMNS, [...ROWS, { ...ROWS[1], id: `${REF}2`, values: ["<b>x</b>", 1] }]);
    const el = document.createElement("div");
    const view = new TableView(model, el);
    const names = [...el.querySelectorAll("tr[data-experiment]")].map((row) => row.dataset.experiment);
    expect(names).toContain("fast");
    expect(el.querySelector("b")).toBeNull();
    view.destroy();
  });
});

describe("makeClient", () => {
  it("sends the ETag and reports 304 as nothing new", async () => {
    const seen = [];
    const request = async (url, init) => {
      seen.push([url, init.headers]);
      return new Response(null, { status: 304 });
    };
    const client = makeClient("/base/", request);
    const answer = await client.table("project/sub", '"abc"');
    expect(answer).toMatchObject({ status: 304, etag: '"abc"' });
    expect(seen).toEqual([["/base/live-nb/api/experiments?path=project%2Fsub", { "If-None-Match": '"abc"' }]]);
    expect(client.bundleUrl).toBe("/base/live-nb/static/table.js");
  });

  it("asks for several histories with one id argument each", async () => {
    let asked = "";
    const request = async (url) => {
      asked = url;
      return new Response(JSON.stringify({ histories: {} }), { status: 200 });
    };
    await makeClient("/", request).histories("p", ["a/b", "workspace"]);
    expect(asked).toBe("/live-nb/api/histories?path=p&id=a%2Fb&id=workspace");
  });
});
