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
