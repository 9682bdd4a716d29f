// The renderer of live_nb's fallback marker (fallback.js says why): the static copy first,
// with JupyterLab's own renderer of its mime type (untrusted, so HTML is sanitized), then the
// live widget in its place when the notebook's widget manager has the widget's model.

import { Panel } from "@lumino/widgets";

import { WIDGET_MIME, hasModel, modelId, staticMime, staticModel } from "./fallback.js";

const TRIES = 40; // the notebook's widget manager is registered once its kernel is known
const PAUSE_MS = 250;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The nearest rendermime registry above `widget` (the output area's, holding the widget renderer). */
function outputRendermime(widget) {
  for (let node = widget.parent; node; node = node.parent) {
    if (node.rendermime && typeof node.rendermime.getFactory === "function") return node.rendermime;
  }
  return null;
}

/** The widget renderer of `rendermime` whose manager is ready, with that manager, or null. */
async function widgetRenderer(rendermime, options) {
  const factory = rendermime?.getFactory(WIDGET_MIME);
  if (!factory) return null;
  const renderer = factory.createRenderer({ ...options, mimeType: WIDGET_MIME });
  const manager = await Promise.race([renderer._manager?.promise, sleep(PAUSE_MS)]);
  if (manager) return { renderer, manager };
  renderer.dispose();
  return null;
}

export class SavedOutput extends Panel {
  constructor(options, registry) {
    super();
    this.addClass("live-nb-saved-output");
    this._options = options;
    this._registry = registry;
  }

  async renderModel(model) {
    // JupyterLab renders an updated output with the same renderer: start again
    const generation = (this._generation = (this._generation ?? 0) + 1);
    for (const child of [...this.widgets]) child.dispose();
    const mime = staticMime(model.data);
    if (mime === null) return;
    const copy = this._registry.createRenderer(mime);
    this.addWidget(copy);
    await copy.renderModel(staticModel(model, mime));
    const id = modelId(model.data);
    // an untrusted notebook's widgets stay off, as JupyterLab's own renderer keeps them
    if (id !== null && model.trusted) void this._goLive(model, id, copy, generation);
  }

  _stale(generation) {
    return this.isDisposed || generation !== this._generation;
  }

  async _goLive(model, id, copy, generation) {
    for (let i = 0; i < TRIES && !this._stale(generation); i++) {
      const found = await widgetRenderer(outputRendermime(this), this._options);
      if (found) {
        if (!(await hasModel(found.manager, id)) || this._stale(generation)) {
          found.renderer.dispose();
          return;
        }
        await found.renderer.renderModel(model);
        copy.dispose();
        this.addWidget(found.renderer);
        return;
      }
      await sleep(PAUSE_MS);
    }
  }
}

/** The rendermime factory of the marker, ahead of the widget renderer (whose rank is -10). */
export function savedOutputFactory(registry) {
  return {
    safe: true,
    mimeTypes: ["application/vnd.live-nb.fallback+json"],
    defaultRank: -20,
    createRenderer: (options) => new SavedOutput(options, registry),
  };
}
