// @vitest-environment jsdom
// The final output's marker (lab/src/final.js): which spec of the bundle it names.
import { describe, expect, it, vi } from "vitest";

// jsdom has no DragEvent, which @lumino/dragdrop (under @lumino/widgets) extends
vi.hoisted(() => {
  globalThis.DragEvent ??= class DragEvent extends globalThis.MouseEvent {};
});
import { CHARTS_MIME, finalChartsFactory, specMime } from "../lab/src/final.js";

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

describe("the final charts' renderer", () => {
  const data = { [CHARTS_MIME]: { spec: VEGALITE }, [VEGALITE]: { mark: "point" } };

  it("draws the spec with the widgets' bundle's run view", async () => {
    const render = vi.fn(() => () => {});
    const registry = { createRenderer: vi.fn() };
    const renderer = finalChartsFactory(registry, async () => ({ default: { render } })).createRenderer({});
    await renderer.renderModel({ data, metadata: {}, trusted: false });
    const [{ model, el }] = render.mock.calls[0];
    expect(model.get("view")).toBe("run");
    expect(model.get("spec")).toEqual({ mark: "point" });
    expect(el).toBe(renderer.node);
    expect(registry.createRenderer).not.toHaveBeenCalled();
    renderer.dispose();
  });

  it("falls back to JupyterLab's renderer of the spec when the bundle cannot be loaded", async () => {
    const probe = finalChartsFactory({}, async () => null).createRenderer({});
    // lumino's Widget (the test cannot import it: js/lab's own dependency): FinalCharts > Panel > Widget
    const Widget = Object.getPrototypeOf(Object.getPrototypeOf(Object.getPrototypeOf(probe))).constructor;
    probe.dispose();
    const copies = [];
    const registry = {
      createRenderer: vi.fn(() => {
        const copy = new Widget();
        copy.renderModel = vi.fn(async () => {});
        copies.push(copy);
        return copy;
      }),
    };
    const renderer = finalChartsFactory(registry, () => Promise.reject(new Error("no server extension"))).createRenderer({});
    await renderer.renderModel({ data, metadata: {}, trusted: true });
    expect(registry.createRenderer).toHaveBeenCalledWith(VEGALITE);
    const [copy] = copies;
    expect(copy.parent).toBe(renderer); // not attached to the page: JupyterLab attaches the output later
    expect(copy.renderModel.mock.calls[0][0].data).toEqual({ [VEGALITE]: { mark: "point" } });
    renderer.dispose();
    expect(copy.isDisposed).toBe(true);
  });
});
