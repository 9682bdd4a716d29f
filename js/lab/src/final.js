// A %%live cell's final output drawn as wide as the notebook gives it. The final output is a
// plain bundle (live_nb/widgets/dashboard.py: Vega-Lite, SVG, text) so that any front end
// shows it; JupyterLab's own Vega-Lite renderer draws it at a fixed width, cut where the
// notebook is narrower. The bundle also holds `application/vnd.live-nb.charts+json`:
// {"spec": <the mime type of its Vega-Lite spec in the same bundle>}; this renderer takes
// it first and draws that spec with the widgets' bundle's "run" view (js/src/run: as many
// charts per row as fit, redrawn when the width or the theme changes). Without the bundle
// (the server extension not running) it falls back to JupyterLab's renderer of the spec.

import { Panel } from "@lumino/widgets";

export const CHARTS_MIME = "application/vnd.live-nb.charts+json";
const SPEC_MIMES = new Set(["application/vnd.vegalite.v5+json", "application/vnd.vegalite.v6+json"]);

/** The mime type of the spec `data` (an output's bundle) names, or null. */
export function specMime(data) {
  const mime = data?.[CHARTS_MIME]?.spec;
  return typeof mime === "string" && SPEC_MIMES.has(mime) && data[mime] && typeof data[mime] === "object" ? mime : null;
}

// A Panel: the fallback renderer is added as its child (JupyterLab renders a model before
// the output is attached, so nothing can be attached to a host in the page yet).
class FinalCharts extends Panel {
  constructor(registry, loadBundle) {
    super();
    this.addClass("live-nb-final-charts");
    this._registry = registry;
    this._loadBundle = loadBundle;
    this._cleanup = null;
    this._fallback = null;
  }

  async renderModel(model) {
    this._clear();
    const mime = specMime(model.data);
    if (mime === null) return;
    const spec = model.data[mime];
    let bundle = null;
    try {
      bundle = await this._loadBundle();
    } catch {
      bundle = null;
    }
    if (this.isDisposed) return;
    if (bundle?.default?.render) {
      const view = { get: (name) => ({ view: "run", spec, renderer: "canvas" })[name], on() {}, off() {} };
      this._cleanup = bundle.default.render({ model: view, el: this.node }) ?? null;
      return;
    }
    // JupyterLab's own renderer, at the spec's fixed width
    const copy = this._registry.createRenderer(mime);
    this._fallback = copy;
    this.addWidget(copy);
    await copy.renderModel({ ...model, data: { [mime]: spec }, metadata: {} });
  }

  /** The Vega view drawn, or null (for tests and tools: JupyterLab's renderer keeps its own). */
  get view() {
    return this._cleanup?.view?.() ?? this._fallback?._result?.view ?? null;
  }

  _clear() {
    this._cleanup?.();
    this._cleanup = null;
    this._fallback?.dispose(); // leaves the panel too
    this._fallback = null;
  }

  dispose() {
    if (this.isDisposed) return;
    this._clear();
    super.dispose();
  }
}

/** The rendermime factory of the marker: ahead of the Vega and SVG renderers, behind widgets. */
export function finalChartsFactory(registry, loadBundle) {
  return {
    safe: true,
    mimeTypes: [CHARTS_MIME],
    defaultRank: 40,
    createRenderer: () => new FinalCharts(registry, loadBundle),
  };
}
