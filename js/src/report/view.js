// The HTML report's page: the notebook dashboard's view (../dashboard/view.js)
// drawn once from the data embedded in the page, with a line saying when the
// report was written. Images are data: URLs; user text only ever goes in as text.
//
// Hooks for tests and tools, besides the dashboard's own (see ../dashboard/view.js):
//   #live-nb-report[data-report="ready"|"error"]            set once every chart is drawn
//   .live-nb-chart[data-logged][data-marks]                 points logged, point marks drawn
//   .live-nb-plot[data-marks]                               marks drawn (one per cell, line or point)

import { h } from "../common/dom.js";
import { DashboardStore } from "../dashboard/store.js";
import { createDashboardView } from "../dashboard/view.js";
import { dataUrl, loggedCount, metaText, reportMessage } from "./data.js";
import { REPORT_CSS } from "./style.js";

/**
 * Draw the report `data` into `el`. `embed(el, spec)` resolves to a Vega view
 * (as in the dashboard); `vega` is the vega module. Returns { store, view, ready }:
 * `ready` resolves once every chart and plot is drawn.
 * @param {object} options
 * @param {HTMLElement} options.el
 * @param {object} options.data the report's data, as readReportData returns it
 * @param {(el: HTMLElement, spec: object) => Promise<any>} options.embed
 * @param {typeof import("vega")} options.vega
 * @param {(callback: () => void) => void} [options.schedule] as in createDashboardView
 * @param {number} [options.maxPoints] as in createDashboardView
 */
export function renderReport({ el, data, embed, vega, schedule, maxPoints }) {
  const store = new DashboardStore({ createUrl: dataUrl, releaseUrl: () => {} });
  store.apply(reportMessage(data), []);
  const holder = h("div", { className: "live-nb-report-body" });
  el.classList.add("live-nb-report");
  el.replaceChildren(
    h("style", { text: REPORT_CSS }),
    h("div", { className: "live-nb-report-meta", text: metaText(data) }),
    holder,
  );
  el.dataset.report = "drawing";
  const view = createDashboardView({ el: holder, store, embed, vega, schedule, maxPoints, tick: 0 });
  const ready = settle(view).then(
    () => {
      for (const [name, { el: box }] of view.charts) {
        box.dataset.logged = String(loggedCount(data, name, Number(box.dataset.points)));
        box.dataset.marks = String(countMarks(box, "g.mark-symbol.role-mark > path"));
      }
      for (const { el: box } of view.plots.values()) {
        box.dataset.marks = String(countMarks(box, "g.role-mark > path"));
      }
      const failed = el.querySelector("[data-error]");
      el.dataset.report = failed ? "error" : "ready";
    },
    (error) => {
      el.dataset.report = "error";
      throw error;
    },
  );
  return { store, view, ready };
}

/** Wait until every chart and plot has its data drawn. */
export async function settle(view) {
  await Promise.all([...view.charts.values()].map(({ chart }) => chart.ready));
  await Promise.all([...view.plots.values()].map(({ chart }) => chart.ready));
  for (const { chart } of view.charts.values()) await chart.flush();
  for (const { chart } of view.plots.values()) await chart.view?.runAsync();
}

/** SVG mark elements drawn in `box` (none with a canvas renderer). */
function countMarks(box, selector) {
  return box.querySelectorAll(selector).length;
}

/** Say, as text, why the report cannot be drawn. */
export function showFailure(el, error) {
  el.classList.add("live-nb-report");
  el.dataset.report = "error";
  el.replaceChildren(
    h("style", { text: REPORT_CSS }),
    h("div", {
      className: "live-nb-report-error",
      text: `live_nb: this report cannot be drawn (${error?.message ?? error}).`,
    }),
  );
}
