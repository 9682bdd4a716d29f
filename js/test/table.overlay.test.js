import { compile } from "vega-lite";
import { describe, expect, it } from "vitest";
import {
  CHECKPOINT_DASH,
  DASHES,
  PALETTE,
  dashBackground,
  legendItems,
  metricNames,
  overlaySpecs,
  seriesLabels,
  StyleSlots,
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
    // in the order the histories list them (the order logged), not by name
    expect(specs.map((item) => item.metric)).toEqual(["train/loss", "acc", XSS]);
    const loss = specs[0].spec;
    expect(loss.layer).toHaveLength(1); // no checkpoint: one layer of lines
    expect(loss.layer[0].mark.type).toBe("line");
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
      expect(spec.layer[0].encoding.strokeDash).toBeUndefined();
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
      expect(spec.layer[0].encoding.strokeDash.legend).toBeNull();
      expect(compile(spec).spec.legends).toBeUndefined();
    }
    const items = legendItems(many);
    expect(items.map((item) => item.label)).toEqual(many.map((item) => item.label));
    expect(items[7]).toEqual({ label: "exp-7", color: PALETTE[1], dash: DASHES[1], checkpoint: false }); // as the lines
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
    expect(spec.layer[0].encoding.strokeDash.scale.range[6]).toEqual(DASHES[1]);
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
    expect(metricNames(SERIES)).toEqual(["train/loss", "acc", XSS]);
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

describe("overlay styles", () => {
  it("keeps a row's colour while it stays ticked: ticking or unticking others recolours none", () => {
    const slots = new StyleSlots();
    expect([...slots.assign(["a", "b", "c"])]).toEqual([["a", 0], ["b", 1], ["c", 2]]);
    expect([...slots.assign(["a", "c"])]).toEqual([["a", 0], ["c", 2]]); // b unticked: c keeps its colour
    expect([...slots.assign(["d", "a", "c"])]).toEqual([["d", 1], ["a", 0], ["c", 2]]); // d takes the free one
    expect([...slots.assign(["d", "a", "c", "e"])].at(-1)).toEqual(["e", 3]);
  });

  it("colours a series by its slot and dashes a checkpoint, in the lines and the legend alike", () => {
    const series = [
      { id: "a", label: "a", slot: 2, history: history({ loss: { step: [0, 1], value: [1, 0.5] } }) },
      { id: "a@1", label: "a@1", slot: 0, checkpoint: true, history: history({ loss: { step: [0], value: [1] } }) },
    ];
    const [{ spec }] = overlaySpecs(series);
    expect(spec.encoding.color.scale).toEqual({ domain: ["a", "a@1"], range: [PALETTE[2], PALETTE[0]] });
    expect(spec.layer.map((layer) => layer.transform?.[0].filter)).toEqual([
      "!datum.checkpoint",
      "datum.checkpoint",
      "datum.checkpoint && datum.last",
    ]);
    expect(spec.layer[1].mark.strokeDash).toEqual(CHECKPOINT_DASH);
    expect(spec.layer[2].mark.shape).toBe("diamond");
    // the checkpoint's points come after the experiment's, its last one marked
    expect(spec.data.values.at(-1)).toEqual({ experiment: "a@1", step: 0, value: 1, checkpoint: true, last: true });
    expect(legendItems(series)).toEqual([
      { label: "a", color: PALETTE[2], dash: DASHES[0], checkpoint: false },
      { label: "a@1", color: PALETTE[0], dash: CHECKPOINT_DASH, checkpoint: true },
    ]);
    expect(compile(spec).spec.marks.length).toBeGreaterThan(0);
  });
});
