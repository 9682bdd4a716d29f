// The live_nb dashboard view (anywidget). The Python side
// (live_nb/widgets/dashboard.py) streams custom messages with what was
// logged since the last one (see store.js for their shape) and, when the run
// ends, sets the `snapshot` trait to the final state, so that a view created
// later (the page reloaded, a saved widget state) still has the data.
//
// One DashboardStore per model: filled by `initialize` (called once per model,
// before any message is handled), shared by every view of the model.

import vegaEmbed, { vega } from "vega-embed";
import { DashboardStore } from "./store.js";
import { createDashboardView } from "./view.js";
import { embedOptions } from "./charts.js";

const stores = new Map(); // the model's uid trait -> { store, listeners }

async function embedChart(el, spec) {
  const result = await vegaEmbed(el, spec, embedOptions());
  return result.view;
}

function entryFor(model) {
  const uid = String(model.get("uid") ?? "");
  let entry = stores.get(uid);
  if (!entry) {
    const store = new DashboardStore();
    store.state.title = String(model.get("title") ?? "");
    entry = { store, listening: false };
    stores.set(uid, entry);
  }
  return entry;
}

/** Follow the model's messages and snapshot into the store; returns a function that stops. */
function listen(model, store) {
  const onMessage = (message, buffers) => store.apply(message, buffers ?? []);
  const onSnapshot = () => {
    const snapshot = model.get("snapshot");
    if (snapshot && snapshot.type === "update") store.apply({ ...snapshot, reset: true }, []);
  };
  model.on("msg:custom", onMessage);
  model.on("change:snapshot", onSnapshot);
  onSnapshot();
  return () => {
    model.off("msg:custom", onMessage);
    model.off("change:snapshot", onSnapshot);
  };
}

export default {
  initialize({ model }) {
    const entry = entryFor(model);
    entry.listening = true;
    const stop = listen(model, entry.store);
    return () => {
      // the model is gone (or its module reloaded): forget its data
      stop();
      entry.store.dispose();
      stores.delete(String(model.get("uid") ?? ""));
    };
  },

  render({ model, el }) {
    const entry = entryFor(model);
    // Without initialize (an older widget.js), each view follows the model
    // itself; the store drops the messages it has seen already.
    const stop = entry.listening ? null : listen(model, entry.store);
    // Nothing yet, or messages missed (the view started late): ask for a replay.
    if (entry.store.messages === 0 || entry.store.incomplete) model.send({ type: "hello" });
    const view = createDashboardView({ el, store: entry.store, embed: embedChart, vega });
    return () => {
      stop?.();
      view.dispose();
    };
  },
};
