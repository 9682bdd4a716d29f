// The HTML report's script: esbuild bundles it (with Vega) into
// live_nb/static/report.js, which live_nb/report.py inlines in every report.html.
// It draws the data the page embeds; it loads nothing, from anywhere.

import vegaEmbed, { vega } from "vega-embed";
import { embedOptions } from "../dashboard/charts.js";
import { ROOT_ID, readReportData } from "./data.js";
import { renderReport, showFailure } from "./view.js";

/** Vega-Embed as the dashboard uses it, but drawing SVG (a page to keep and print) with no eval. */
export async function embedChart(el, spec) {
  const result = await vegaEmbed(el, spec, { ...embedOptions(), renderer: "svg", ast: true });
  return result.view;
}

function start() {
  const el = document.getElementById(ROOT_ID);
  if (!el) return;
  let data;
  try {
    data = readReportData(document);
  } catch (error) {
    showFailure(el, error);
    return;
  }
  if (!data) return;
  renderReport({ el, data, embed: embedChart, vega }).ready.catch((error) => {
    console.error("live_nb: the report could not be drawn", error);
  });
}

start();
