import { describe, expect, it } from "vitest";

import {
  FALLBACK_MIME,
  WIDGET_MIME,
  hasModel,
  modelId,
  staticMime,
  staticModel,
} from "../lab/src/fallback.js";

const bundle = {
  [WIDGET_MIME]: { model_id: "abc", version_major: 2 },
  "text/html": "<table><tr><td>x</td></tr></table>",
  [FALLBACK_MIME]: { mime: "text/html" },
};

function signal() {
  const slots = new Set();
  return {
    connect: (slot) => slots.add(slot),
    disconnect: (slot) => slots.delete(slot),
    emit: () => [...slots].forEach((slot) => slot()),
    size: () => slots.size,
  };
}

describe("the saved copy of a live_nb widget output", () => {
  it("names the static copy the marker points to, only when the bundle holds it", () => {
    expect(staticMime(bundle)).toBe("text/html");
    expect(staticMime({ ...bundle, "text/html": undefined, [FALLBACK_MIME]: { mime: "x" } })).toBe(
      null,
    );
    expect(staticMime({ [FALLBACK_MIME]: { mime: "text/html" } })).toBe(null);
    expect(staticMime({ "text/html": "<b>x</b>" })).toBe(null);
    expect(modelId(bundle)).toBe("abc");
    expect(modelId({ [WIDGET_MIME]: { model_id: "" } })).toBe(null);
  });

  it("renders the copy untrusted (JupyterLab sanitizes it) and alone", () => {
    const copy = staticModel({ data: bundle, metadata: {}, trusted: true }, "text/html");
    expect(copy.trusted).toBe(false);
    expect(Object.keys(copy.data)).toEqual(["text/html"]);
  });

  it("asks the widget manager once it has restored its models", async () => {
    const models = new Set();
    const restored = signal();
    const manager = { has_model: (id) => models.has(id), restoredStatus: false, restored };
    const answer = hasModel(manager, "abc");
    models.add("abc");
    manager.restoredStatus = true;
    restored.emit();
    expect(await answer).toBe(true);
    expect(restored.size()).toBe(0);
    expect(await hasModel(manager, "other")).toBe(false);
    expect(await hasModel({}, "abc")).toBe(false);
  });
});
