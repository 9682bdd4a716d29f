// The saved copy of a live_nb widget output. Every widget live_nb displays carries, beside
// the widget's own mime type, `application/vnd.live-nb.fallback+json`: {"mime": <the mime type
// of its static copy in the same bundle>} (live_nb/widgets/base.py). JupyterLab's widget
// renderer prefers the widget and, once the kernel no longer has its model (a notebook reopened
// after a restart, with no widget state saved), shows "Error displaying widget: model not
// found" with no fallback. This renderer takes the marker first: it shows the static copy, and
// the live widget instead as soon as the kernel has the widget's model.

export const FALLBACK_MIME = "application/vnd.live-nb.fallback+json";
export const WIDGET_MIME = "application/vnd.jupyter.widget-view+json";
const STATIC_MIMES = new Set(["text/html", "application/vnd.vegalite.v5+json", "image/svg+xml"]);

/** The mime type of the static copy `data` (an output's bundle) names, or null. */
export function staticMime(data) {
  const mime = data?.[FALLBACK_MIME]?.mime;
  return typeof mime === "string" && STATIC_MIMES.has(mime) && mime in data ? mime : null;
}

/** The widget model id of `data`, or null. */
export function modelId(data) {
  const id = data?.[WIDGET_MIME]?.model_id;
  return typeof id === "string" && id !== "" ? id : null;
}

/**
 * Whether the widget manager `manager` (jupyterlab-manager's) has the model `id`, once it knows:
 * resolves at once when it has it or has finished restoring its models, else on its `restored`.
 */
export function hasModel(manager, id) {
  if (typeof manager?.has_model !== "function") return Promise.resolve(false);
  if (manager.has_model(id) || manager.restoredStatus !== false || !manager.restored) {
    return Promise.resolve(manager.has_model(id));
  }
  return new Promise((resolve) => {
    const done = () => {
      manager.restored.disconnect(done);
      resolve(manager.has_model(id));
    };
    manager.restored.connect(done);
  });
}

/** The bundle of the static copy alone, untrusted: JupyterLab sanitizes untrusted HTML. */
export function staticModel(model, mime) {
  return {
    trusted: false,
    data: { [mime]: model.data[mime] },
    metadata: model.metadata?.[mime] ? { [mime]: model.metadata[mime] } : {},
    setData() {},
  };
}
