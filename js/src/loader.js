// The ES module the live dashboard's widget model carries (its `_esm` trait): a few hundred
// bytes, not the ~1 MB bundle. Widget state saved with a notebook (nbclient's default,
// JupyterLab's "save widget state") holds each model's `_esm`, so a notebook of ten %%live
// cells would hold ten copies of the bundle; and every cell would send it to the page again.
//
// Instead the first dashboard of a page asks its kernel for the bundle once (a custom message
// {type: "bundle"}, answered by live_nb/widgets/dashboard.py with the bytes as a buffer), loads
// it from a blob: URL (no server, no network), and every later dashboard of the page reuses it.
// The model's `bundle` trait names the bundle's version (a hash), so a page that meets a newer
// live_nb loads the newer bundle.

const TIMEOUT_MS = 30000;

/**
 * The bundle's default export ({ initialize, render }), loaded once per page and version.
 * @param {any} model an anywidget model (get, on, off, send)
 * @param {{ importer?: (url: string) => Promise<any>, scope?: any }} [options]
 */
export function loadBundle(model, { importer = (url) => import(/* @vite-ignore */ url), scope = globalThis } = {}) {
  const version = String(model.get("bundle") ?? "");
  const key = `__liveNbBundle_${version}`;
  if (!scope[key]) {
    scope[key] = requestBundle(model, version, importer);
    scope[key].catch(() => delete scope[key]); // the next view asks again
  }
  return scope[key];
}

function requestBundle(model, version, importer) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      model.off("msg:custom", onMessage);
      reject(new Error("live_nb: the kernel did not send the dashboard's code (is it running?)"));
    }, TIMEOUT_MS);
    function onMessage(message, buffers) {
      if (!message || message.type !== "bundle" || String(message.version) !== version) return;
      clearTimeout(timer);
      model.off("msg:custom", onMessage);
      const url = URL.createObjectURL(new Blob([buffers[0]], { type: "text/javascript" }));
      importer(url)
        .then((module) => resolve(module.default), reject)
        .finally(() => URL.revokeObjectURL(url));
    }
    model.on("msg:custom", onMessage);
    model.send({ type: "bundle" });
  });
}

export default {
  async initialize(context) {
    const bundle = await loadBundle(context.model);
    return bundle.initialize?.(context);
  },
  async render(context) {
    const bundle = await loadBundle(context.model);
    return bundle.render(context);
  },
};
