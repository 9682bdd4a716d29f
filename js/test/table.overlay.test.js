import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  DASHES,
  PALETTE,
  dashBackground,
  legendItems,
  metricNames,
  overlaySpecs,
  seriesLabels,
  styleOf,
} from "../src/table/overlay.js";

const XSS = "<img src=x onerror=alert(1)>";

function history(metrics) {
  return { metrics, downsampled: false, error: null };
}

const SERIES = [
  {
    id: "a",
    label: "fast-lr",
    history: history({ "train/loss": { step: [0, 1, 2], value: [0.9, 0.5, 0.4] }, acc: { step: [0, 1, 2], value: [0.1, 0.5, 0.8] } }),
  },
  {
    id: "b",
    label: XSS,
    history: history({ "train/loss": { step: [0, 1], value: [1, 0.7] }, [XSS]: { step: [0], value: [3] } }),
  },
];

describe("overlay specs", () => {
  it("makes one chart per metric, x = step, one line per selected row", () => {
    const specs = overlaySpecs(SERIES);
    expect(specs.map((item) => item.metric)).toEqual([XSS, "acc", "train/loss"]);
    const loss = specs[2].spec;
    expect(loss.mark.type).toBe("line");
    expect(loss.encoding.x).toMatchObject({ field: "step", type: "quantitative" });
    expect(loss.encoding.y).toMatchObject({ field: "value", type: "quantitative" });
    expect(loss.data.values).toEqual([
      { experiment: "fast-lr", step: 0, value: 0.9 },
      { experiment: "fast-lr", step: 1, value: 0.5 },
      { experiment: "fast-lr", step: 2, value: 0.4 },
      { experiment: XSS, step: 0, value: 1 },
      { experiment: XSS, step: 1, value: 0.7 },
    ]);
    expect(loss.title.text).toBe("train/loss");
  });

  it("gives every row the same colour in every chart, with a legend of the names", () => {
    for (const { spec } of overlaySpecs(SERIES)) {
      expect(spec.encoding.color.scale).toEqual({ domain: ["fast-lr", XSS], range: PALETTE.slice(0, 2) });
      expect(spec.encoding.color.legend.title).toBe("experiment");
      expect(spec.encoding.strokeDash).toBeUndefined();
    }
  });

  it("leaves the legend out of the charts when the table draws one for all of them", () => {
    const many = Array.from({ length: 8 }, (_, i) => ({
      id: `e${i}`,
      label: `exp-${i}`,
      history: history({ loss: { step: [0, 1], value: [1, i] }, acc: { step: [0], value: [i] } }),
    }));
    for (const { spec } of overlaySpecs(many, { legend: false })) {
      expect(spec.encoding.color.legend).toBeNull();
      expect(spec.encoding.strokeDash.legend).toBeNull();
      expect(compile(spec).spec.legends).toBeUndefined();
    }
    const items = legendItems(many);
    expect(items.map((item) => item.label)).toEqual(many.map((item) => item.label));
    expect(items[7]).toEqual({ label: "exp-7", color: PALETTE[1], dash: DASHES[1] }); // as the lines
    expect(dashBackground("#0072B2", DASHES[0])).toBe("#0072B2");
    expect(dashBackground("#0072B2", [6, 3])).toBe(
      "repeating-linear-gradient(to right, #0072B2 0px 6px, transparent 6px 9px)",
    );
  });

  it("varies the dash pattern once the colours are used up, in one merged legend", () => {
    const many = Array.from({ length: 9 }, (_, i) => ({
      id: `e${i}`,
      label: `exp-${i}`,
      history: history({ loss: { step: [0, 1], value: [1, i] } }),
    }));
    const [{ spec }] = overlaySpecs(many);
    expect(spec.encoding.strokeDash.scale.range[6]).toEqual(DASHES[1]);
    expect(styleOf(7)).toEqual({ color: PALETTE[1], dash: DASHES[1] });
    const compiled = compile(spec).spec;
    expect(compiled.legends).toHaveLength(1);
    expect(compiled.legends[0].strokeDash).toBeDefined();
  });

  it("uses only the colour-blind-safe palette, and compiles with Vega-Lite", () => {
    expect(PALETTE).toEqual(["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9"]);
    for (const { spec } of overlaySpecs(SERIES, { dark: true })) {
      const compiled = compile(spec).spec;
      expect(compiled.data.find((data) => data.name === "source_0").values.length).toBeGreaterThan(0);
      expect(spec.config.axis.labelColor).toBe("#d4d4d4");
    }
  });

  it("skips rows without a history and lists metric names once", () => {
    const specs = overlaySpecs([...SERIES, { id: "c", label: "empty", history: { metrics: {}, error: "none" } }]);
    expect(specs).toHaveLength(3);
    expect(metricNames(SERIES)).toEqual([XSS, "acc", "train/loss"]);
  });

  it("labels rows by name, adding the short sha when two share a name", () => {
    const entries = [
      { id: "1", text: ["deep", "1111111"] },
      { id: "2", text: ["deep", "2222222"] },
      { id: "3", text: ["tiny", "3333333"] },
    ];
    expect([...seriesLabels(entries, 0, 1).values()]).toEqual(["deep (1111111)", "deep (2222222)", "tiny"]);
  });
});
