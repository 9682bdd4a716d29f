// @vitest-environment jsdom
import embed from "vega-embed";
import { expect, it } from "vitest";
import { EMBED_OPTIONS } from "../src/table/charts.js";
import { overlaySpecs } from "../src/table/overlay.js";

const XSS = "<img src=x onerror=alert(1)>";

it("draws an overlay with vega-embed, names as SVG text", async () => {
  const series = [
    { id: "a", label: XSS, history: { metrics: { [XSS]: { step: [0, 1, 2], value: [1, 0.5, 0.25] } } } },
    { id: "b", label: "fast-lr", history: { metrics: { [XSS]: { step: [0, 1, 2], value: [0.9, 0.6, 0.3] } } } },
  ];
  const [{ spec }] = overlaySpecs(series);
  const box = document.createElement("div");
  document.body.appendChild(box);
  const result = await embed(box, spec, { ...EMBED_OPTIONS, tooltip: false });
  const svg = box.querySelector("svg");
  expect(svg).not.toBeNull();
  expect(box.querySelector("img")).toBeNull();
  const texts = [...svg.querySelectorAll("text")].map((node) => node.textContent);
  expect(texts).toContain(XSS);
  expect(svg.querySelectorAll("g.mark-line path")).toHaveLength(2); // one line per experiment
  result.finalize();
});

it("draws a checkpoint dashed, above its experiment, with a diamond at its last step", async () => {
  const steps = [0, 1, 2, 3, 4, 5];
  const values = [1, 0.8, 0.6, 0.5, 0.45, 0.4];
  const series = [
    { id: "cp", label: "exp@3", checkpoint: true, slot: 1, history: { metrics: { loss: { step: steps.slice(0, 4), value: values.slice(0, 4) } } } },
    { id: "exp", label: "exp", slot: 0, history: { metrics: { loss: { step: steps, value: values } } } },
  ];
  const [{ spec }] = overlaySpecs(series, { legend: false });
  const box = document.createElement("div");
  document.body.appendChild(box);
  const result = await embed(box, spec, { ...EMBED_OPTIONS, tooltip: false });
  const paths = [...box.querySelectorAll("g.mark-line path")];
  expect(paths).toHaveLength(2);
  // drawn in order: the experiment's solid line, then the checkpoint's dashed one over it
  expect(paths[0].getAttribute("stroke")).toBe("#0072B2");
  expect(paths[0].getAttribute("stroke-dasharray")).toBeNull();
  expect(paths[1].getAttribute("stroke")).toBe("#E69F00");
  expect(paths[1].getAttribute("stroke-dasharray")).toBe("4,3");
  const diamonds = [];
  const walk = (node) => {
    if (node?.marktype === "symbol") diamonds.push(...node.items.filter((item) => item.shape === "diamond"));
    for (const child of node?.items ?? []) walk(child);
  };
  walk(result.view.scenegraph().root);
  expect(diamonds.map((item) => item.datum.step)).toEqual([3]); // its last step only
  result.finalize();
});

it("fetches nothing a spec names, and draws a picture only from a data URL", async () => {
  const { OFFLINE_LOADER } = await import("../src/table/charts.js");
  await expect(OFFLINE_LOADER.sanitize("data:image/png;base64,iVBORw0KGgo=")).resolves.toEqual({
    href: "data:image/png;base64,iVBORw0KGgo=",
  });
  for (const uri of ["https://example.com/x.png", "data:text/html;base64,PGI+", "javascript:alert(1)", "/files/x.png"]) {
    await expect(OFFLINE_LOADER.sanitize(uri)).rejects.toThrow(/load nothing/);
  }
  await expect(OFFLINE_LOADER.load("https://example.com/data.json")).rejects.toThrow(/load nothing/);
  expect(EMBED_OPTIONS.loader).toBe(OFFLINE_LOADER); // the overlay's and the run view's charts
  const box = document.createElement("div");
  document.body.appendChild(box);
  const spec = { data: { url: "https://example.com/data.json" }, mark: "point" };
  const result = await embed(box, spec, { ...EMBED_OPTIONS, tooltip: false, logLevel: 0 });
  await result.view.runAsync();
  expect(result.view.data("source_0")).toEqual([]); // refused: nothing drawn from it
  result.finalize();
});
