// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";
import { TableView } from "../src/table/index.js";
import { pushConfirmation, pushEnabled, pushTitle } from "../src/table/push.js";
import { FakeModel } from "./support/model.js";

const B = "b".repeat(40);
const XSS = "<img src=x onerror=alert(1)>";
const META = ["Experiment", "rev", "typ", "Created", "Message", "parent"].map((name) => ({
  name,
  kind: "meta",
  type: "text",
}));

function state(names = ["exp-0", "exp-1"]) {
  const row = (id, kind, name, typ, baseline) => ({
    id,
    kind,
    baseline,
    commit: kind === "workspace" ? null : B,
    values: [name, "bbbbbbb", typ, "2024-05-01T10:00:00+00:00", "msg", baseline ? "bbbbbbb" : null],
  });
  const rows = [row("workspace", "workspace", "workspace", "workspace", B), row(B, "baseline", "main", "baseline", null)];
  names.forEach((name, i) => rows.push(row(`refs/exps/bb/bbb/e${i}`, "experiment", name, "branch_commit", B)));
  return { columns: META, rows, sort_by: "", sort_order: "asc", filter_text: "", hide_unchanged: false, selection: [] };
}

let views = [];
function mount(traits) {
  const model = new FakeModel(traits);
  const el = document.createElement("div");
  document.body.appendChild(el);
  views.push(new TableView(model, el, { embedFn: async () => ({ finalize() {} }) }));
  return { model, el };
}
afterEach(() => {
  for (const view of views) view.destroy();
  views = [];
  document.body.replaceChildren();
});
const click = (node) => node.dispatchEvent(new window.MouseEvent("click", { bubbles: true }));
const tick = (el, name) => {
  const box = el.querySelector(`tr[data-experiment="${name}"] input[type=checkbox]`);
  box.checked = !box.checked;
  box.dispatchEvent(new window.Event("change", { bubbles: true }));
};
const pushButton = (el) => el.querySelector('button[data-action="push"]');

describe("the table's Push button", () => {
  it("is enabled only with experiments ticked and nothing in flight", () => {
    expect(pushEnabled([], false)).toBe(false);
    expect(pushEnabled([{ id: "x" }], true)).toBe(false);
    expect(pushEnabled([{ id: "x" }], false)).toBe(true);
    expect(pushTitle(0)).toBe("Tick the experiments to push");
    const { el } = mount(state());
    expect(pushButton(el).disabled).toBe(true);
    tick(el, "main"); // a baseline is never pushed
    expect(pushButton(el).disabled).toBe(true);
    tick(el, "exp-1");
    expect(pushButton(el).disabled).toBe(false);
  });

  it("asks first, then sends the ticked experiments' ids", () => {
    const { el, model } = mount(state());
    tick(el, "exp-0");
    tick(el, "exp-1");
    click(pushButton(el));
    const box = el.querySelector(".live-nb-table-confirm");
    expect(box.hidden).toBe(false);
    expect(box.textContent).toContain("Push 2 experiment(s): exp-0, exp-1?");
    expect(model.last("push")).toBeUndefined(); // nothing before the confirmation
    click(el.querySelector('button[data-action="confirm"]'));
    expect(model.last("push").ids).toEqual(["refs/exps/bb/bbb/e0", "refs/exps/bb/bbb/e1"]);
  });

  it("shows the error Python gives when no remote is set, as text", () => {
    const { el, model } = mount(state([XSS]));
    tick(el, XSS);
    click(pushButton(el));
    expect(el.querySelector(".live-nb-table-confirm").textContent).toContain(XSS);
    click(el.querySelector('button[data-action="confirm"]'));
    const message = "Cannot push: no default Git remote: this repository has none.";
    model.reply({ type: "result", request: model.last("push").request, action: "push", ok: false, message });
    expect(el.querySelector(".live-nb-table-message").textContent).toBe(message);
    expect(el.querySelector("img")).toBeNull();
  });

  it("phrases its request in one place", () => {
    const asked = pushConfirmation([{ id: "a" }], ["first"]);
    expect(asked.request).toEqual({ type: "push", ids: ["a"] });
    expect(asked.confirmLabel).toBe("Push");
  });
});
