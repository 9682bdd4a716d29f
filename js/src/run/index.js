// A saved run's charts in the sidebar's run view (js/lab/src/runview.js): the Vega-Lite spec
// the server built with live_nb/render/vegalite.py (the one a %%live cell's final output
// draws: metric charts by group, the latest image of each name), drawn with the bundle's
// vega-embed as the table's charts are. The model gives `spec` (and `view`: "run").

import embed from "vega-embed";
import { EMBED_OPTIONS, isDarkTheme, textTooltip } from "../table/charts.js";

export default {
  render({ model, el }) {
    const box = document.createElement("div");
    box.className = "live-nb-run-chart";
    el.appendChild(box);
    let view = null;
    let gone = false;
    const spec = model.get("spec");
    const options = { ...EMBED_OPTIONS, tooltip: textTooltip(el) };
    if (isDarkTheme()) options.theme = "dark";
    embed(box, spec, options)
      .then((result) => {
        if (gone) result.finalize();
        else view = result;
      })
      .catch((error) => {
        box.textContent = `Could not draw the charts: ${error?.message ?? error}`;
      });
    return () => {
      gone = true;
      view?.finalize();
      box.remove();
    };
  },
};
