// The ES module of every live_nb widget: a few lines that import the real one (the ~1 MB
// widget.js bundle) from the kernel's one BundleModel (live_nb/widgets/base.py). Each widget's
// state then holds this loader, not the bundle: a notebook saved with its widget state keeps
// the bundle once, and a cell that displays a widget sends the browser the bundle only once.

const loaded = new Map(); // BundleModel id -> Promise of the bundle's default export

function bundleId(model) {
  return String(model.get("_bundle") ?? "").replace(/^IPY_MODEL_/, "");
}

function load(model) {
  const id = bundleId(model);
  if (!loaded.has(id)) {
    const imported = model.widget_manager.get_model(id).then(async (holder) => {
      const url = URL.createObjectURL(new Blob([holder.get("source")], { type: "text/javascript" }));
      try {
        return (await import(/* @vite-ignore */ url)).default;
      } finally {
        URL.revokeObjectURL(url);
      }
    });
    imported.catch(() => loaded.delete(id)); // a later view may try again
    loaded.set(id, imported);
  }
  return loaded.get(id);
}

export default {
  async initialize(context) {
    return (await load(context.model)).initialize?.(context);
  },
  async render(context) {
    return (await load(context.model)).render(context);
  },
};
