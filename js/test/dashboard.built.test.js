// @vitest-environment jsdom
// The built bundle, as anywidget loads it: the dashboard view draws and streams.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FakeModel } from "./support/model.js";
import { withSpecs } from "./support/specs.js";

const bundlePath = path.resolve(process.cwd(), "../live_nb/static/widget.js"); // vitest runs in js/
const encoder = new TextEncoder();
const buffer = (text) => new DataView(encoder.encode(text).buffer);

const until = async (check, timeout = 5000) => {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeout) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};

describe.skipIf(!existsSync(bundlePath))("the built widget bundle", () => {
  it("renders the dashboard view and appends points to its chart", async () => {
    // Vite serves modules from inside the project only: import a copy kept under node_modules.
    mkdirSync("node_modules/.cache", { recursive: true });
    copyFileSync(bundlePath, "node_modules/.cache/live-nb-widget.test.mjs");
    const copy = "../node_modules/.cache/live-nb-widget.test.mjs";
    const widget = (await import(/* @vite-ignore */ copy)).default;
    const model = new FakeModel({ view: "dashboard", uid: "built-1", title: "%%live built", snapshot: {} }, { fromKernel: withSpecs });
    const cleanup = widget.initialize?.({ model });
    const el = document.createElement("div");
    document.body.appendChild(el);
    const dispose = widget.render({ model, el });
    model.emit("msg:custom", { type: "update", seq: 0, series: [{ name: "train/loss", ts: false, buffer: 0 }] }, [buffer("0\t1\n1\t0.5\n")]);
    const chart = () => el.querySelector('.live-nb-chart[data-metric="train/loss"]');
    await until(() => chart()?.dataset.points === "2");
    model.emit("msg:custom", { type: "update", seq: 1, series: [{ name: "train/loss", ts: false, buffer: 0 }] }, [buffer("2\t0.25\n")]);
    await until(() => chart().dataset.points === "3");
    expect(el.querySelector(".live-nb-dashboard")).not.toBeNull();
    expect(el.querySelector(".live-nb-title").textContent).toBe("%%live built");
    dispose?.();
    cleanup?.();
  });
});
