// @vitest-environment jsdom
// The built report bundle (npm run build), as report.html inlines it: safe to
// inline, loads nothing, and draws the page's data island when it runs.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { withSpecs } from "./support/specs.js";

const bundlePath = path.resolve(process.cwd(), "../live_nb/static/report.js"); // vitest runs in js/
const built = existsSync(bundlePath);
const XSS = "<img src=x onerror=alert(1)>";

const until = async (check, timeout = 10000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.skipIf(!built)("the built report bundle", () => {
  const bundle = built ? readFileSync(bundlePath, "utf-8") : "";

  it("can be inlined in a <script> element as it is", () => {
    expect(bundle).not.toMatch(/<\/script/i);
    expect(bundle).not.toContain("<!--");
  });

  it("imports nothing from a CDN or any URL", () => {
    expect(bundle).not.toMatch(/https?:\/\/cdn/i);
    expect(bundle).not.toMatch(/\bimport\s*\(\s*["'`]https?:/);
    expect(bundle).not.toMatch(/\bfrom\s*["'`]https?:/);
    expect(bundle).toContain("live-nb-report-data");
    expect(bundle).toContain("live-nb-dashboard");
  });

  it("draws the data island of the page it runs in", async () => {
    const data = {
      format: "live_nb-report",
      version: 1,
      generated: "2024-05-01T12:00:03+00:00",
      refresh: 5,
      message: withSpecs({
        type: "update",
        title: XSS,
        status: "running",
        running: true,
        step: 2,
        latest: { [XSS]: 2 },
        series: [{ name: XSS, steps: [0, 1, 2], values: [3, 2, 1] }],
        params: [[XSS, XSS]],
      }), // as Python writes it
      counts: { [XSS]: 3 },
    };
    const json = JSON.stringify(data).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
    document.body.innerHTML = `<div id="live-nb-report"></div><script type="application/json" id="live-nb-report-data">${json}</script>`;
    // Vite serves modules from inside the project only: import a copy kept under node_modules.
    mkdirSync("node_modules/.cache", { recursive: true });
    copyFileSync(bundlePath, "node_modules/.cache/live-nb-report.test.mjs");
    const copy = "../node_modules/.cache/live-nb-report.test.mjs";
    await import(/* @vite-ignore */ copy);
    const root = document.getElementById("live-nb-report");
    await until(() => root.dataset.report === "ready" || root.dataset.report === "error");
    expect(root.dataset.report).toBe("ready");
    const chart = root.querySelector(".live-nb-chart");
    expect(chart.dataset.metric).toBe(XSS);
    expect(chart.dataset.logged).toBe("3");
    expect(chart.dataset.marks).toBe("3");
    expect(root.querySelector(".live-nb-title").textContent).toBe(XSS);
    expect(root.querySelector(".live-nb-report-meta").textContent).toContain("reloads every 5 s");
    expect(document.querySelector('img[src="x"]')).toBeNull();
  });
});
