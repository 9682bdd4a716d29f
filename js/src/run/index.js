// A saved run's charts (the Vega-Lite spec of live_nb/render/vegalite.py, the one a %%live
// cell's final output draws: metric charts by group, the latest image of each name), drawn
// with the bundle's vega-embed as the table's charts are: in the sidebar's run view
// (js/lab/src/runview.js) and in a %%live cell's final output (js/lab/src/final.js). The
// model gives `spec` (and `view`: "run"; `renderer`: "canvas" for the final output, whose
// thousands of points a canvas draws faster; else SVG).
//
// Drawn as wide as the element it is in (fit.js: as many charts per row as fit), drawn
// again when that width changes enough to change the layout, and when the theme changes.

import embed from "vega-embed";
import { isDarkTheme, onThemeChange } from "../common/darkmode.js";
import { canvasSupported } from "../dashboard/charts.js";
import { EMBED_OPTIONS, textTooltip } from "../table/charts.js";
import { fitSpec, layoutFor } from "./fit.js";

const ACTIONS = 40; // px vega-embed keeps right of the charts for its "..." menu

export default {
  render({ model, el }) {
    const box = document.createElement("div");
    box.className = "live-nb-run-chart";
    el.appendChild(box);
    const spec = model.get("spec");
    const renderer = model.get("renderer") === "canvas" && canvasSupported() ? "canvas" : EMBED_OPTIONS.renderer;
    const tooltip = textTooltip(el);
    let view = null;
    let drawn = null; // the layout and theme drawn: [columns, width, dark]
    let generation = 0;
    let gone = false;

    const draw = () => {
      const available = Math.max(0, el.clientWidth - ACTIONS);
      const dark = isDarkTheme();
      const layout = available ? layoutFor(available) : null;
      const key = JSON.stringify([layout, dark]);
      if (key === drawn) return;
      drawn = key;
      const mine = (generation += 1);
      view?.finalize();
      view = null;
      const options = { ...EMBED_OPTIONS, renderer, tooltip };
      if (dark) Object.assign(options, { theme: "dark", config: { background: null } }); // the page's own background
      embed(box, fitSpec(spec, available), options)
        .then((result) => {
          if (gone || mine !== generation) {
            result.finalize();
            return;
          }
          view = result;
          box.dataset.columns = String(layout?.columns ?? "");
          box.dataset.width = String(layout?.width ?? "");
          box.dataset.theme = dark ? "dark" : "light";
        })
        .catch((error) => {
          if (mine === generation) box.textContent = `Could not draw the charts: ${error?.message ?? error}`;
        });
    };

    draw();
    const resize = globalThis.ResizeObserver ? new ResizeObserver(() => draw()) : null;
    resize?.observe(el);
    const stopTheme = onThemeChange(() => draw());
    const stop = () => {
      gone = true;
      resize?.disconnect();
      stopTheme();
      view?.finalize();
      box.remove();
    };
    stop.view = () => view?.view ?? null; // the Vega view drawn (for tests and tools)
    return stop;
  },
};
