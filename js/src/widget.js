// The one ES module anywidget loads for every live_nb widget; the Python side
// names the view it wants in its `view` trait.
import dashboard from "./dashboard/index.js";
import run from "./run/index.js";
import runs from "./runs/index.js";
import table from "./table/index.js";

const views = { dashboard, run, runs, table };

export default {
  initialize(context) {
    return views[context.model.get("view")]?.initialize?.(context);
  },
  render(context) {
    const view = views[context.model.get("view")] ?? dashboard;
    return view.render(context);
  },
};
