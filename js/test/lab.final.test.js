// @vitest-environment jsdom
// The final output's marker (lab/src/final.js): which spec of the bundle it names.
import { describe, expect, it, vi } from "vitest";

// jsdom has no DragEvent, which @lumino/dragdrop (under @lumino/widgets) extends
vi.hoisted(() => {
  globalThis.DragEvent ??= class DragEvent extends globalThis.MouseEvent {};
});
import { CHARTS_MIME, specMime } from "../lab/src/final.js";

const VEGALITE = "application/vnd.vegalite.v5+json";

describe("the final charts' marker", () => {
  it("names the bundle's Vega-Lite spec, and nothing else", () => {
    expect(specMime({ [CHARTS_MIME]: { spec: VEGALITE }, [VEGALITE]: { mark: "point" } })).toBe(VEGALITE);
    expect(specMime({ [CHARTS_MIME]: { spec: VEGALITE } })).toBeNull(); // no spec in the bundle
    expect(specMime({ [CHARTS_MIME]: { spec: "text/html" }, "text/html": "<b>x</b>" })).toBeNull();
    expect(specMime({ [VEGALITE]: { mark: "point" } })).toBeNull();
    expect(specMime(null)).toBeNull();
  });
});
