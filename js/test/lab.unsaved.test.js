import { describe, expect, it } from "vitest";

import { MAX_CHARS, TARGET, copyMessage, isLiveCell, watchLiveCells } from "../lab/src/unsaved.js";

function fakeSignal() {
  const slots = [];
  return { connect: (slot) => slots.push(slot), emit: (args) => slots.forEach((s) => s(null, args)) };
}

function fakePanel(sent, { dirty = true, handleComms = true } = {}) {
  const notebook = { cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 };
  const kernel = {
    handleComms,
    isDisposed: false,
    createComm: (target) => ({ open: (data) => sent.push({ target, data }) }),
  };
  return {
    content: {},
    sessionContext: { session: { kernel } },
    context: { path: "dir/train.ipynb", model: { dirty, toJSON: () => notebook } },
  };
}

function cell(source, type = "code") {
  return { model: { type, sharedModel: { getSource: () => source } } };
}

describe("the notebook's unsaved copy sent before a %%live cell", () => {
  it("recognises %%live cells only", () => {
    expect(isLiveCell("%%live\nx")).toBe(true);
    expect(isLiveCell("\n  %%live name --param a=1\n")).toBe(true);
    expect(isLiveCell("%%lively\n")).toBe(false);
    expect(isLiveCell("x = '%%live'")).toBe(false);
  });

  it("sends the notebook as shown, with its path and whether it is unsaved", () => {
    const sent = [];
    const panel = fakePanel(sent);
    const actions = { executionScheduled: fakeSignal() };
    watchLiveCells(actions, { find: (test) => (test(panel) ? panel : undefined) });
    actions.executionScheduled.emit({ notebook: panel.content, cell: cell("print(1)") });
    actions.executionScheduled.emit({ notebook: panel.content, cell: cell("%%live\nx", "markdown") });
    expect(sent).toEqual([]);
    actions.executionScheduled.emit({ notebook: panel.content, cell: cell("%%live\nx = 1") });
    expect(sent).toHaveLength(1);
    expect(sent[0].target).toBe(TARGET);
    expect(sent[0].data).toMatchObject({ path: "dir/train.ipynb", dirty: true });
    expect(sent[0].data.notebook.nbformat).toBe(4);
  });

  it("sends nothing to a kernel connection that does not handle comms", () => {
    const sent = [];
    const panel = fakePanel(sent, { handleComms: false });
    const actions = { executionScheduled: fakeSignal() };
    watchLiveCells(actions, { find: () => panel });
    actions.executionScheduled.emit({ notebook: panel.content, cell: cell("%%live\n") });
    expect(sent).toEqual([]);
  });

  it("says a notebook is too large instead of sending it", () => {
    const huge = { cells: [{ source: "x".repeat(MAX_CHARS) }] };
    expect(copyMessage("a.ipynb", huge, true)).toEqual({
      path: "a.ipynb",
      refused: "the notebook is over 32 MB",
    });
  });
});
