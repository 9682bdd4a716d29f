// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import { groupNames, splitName } from "../src/dashboard/groups.js";
import { ImageState, parseImageName } from "../src/dashboard/images.js";
import { SeriesData, parseRows } from "../src/dashboard/series.js";
import { escapeHtml, safeToken } from "../src/common/escape.js";
import { formatElapsed, formatSteps, formatValue } from "../src/common/format.js";
import { colorFor } from "../src/common/colors.js";
import { plotRecords } from "../src/dashboard/records.js";

describe("metric groups", () => {
  it("splits a name at its last slash", () => {
    expect(splitName("train/loss")).toEqual({ group: "train", label: "loss" });
    expect(splitName("system/cpu/usage (%)")).toEqual({ group: "system/cpu", label: "usage (%)" });
    expect(splitName("loss")).toEqual({ group: "", label: "loss" });
  });

  it("groups names by prefix, the root group first, else in first-seen order", () => {
    expect(groupNames(["train/loss", "eval/loss", "train/acc", "lr", "eval/acc"])).toEqual([
      { group: "", names: ["lr"] },
      { group: "train", names: ["train/loss", "train/acc"] },
      { group: "eval", names: ["eval/loss", "eval/acc"] },
    ]);
  });
});

describe("TSV rows", () => {
  it("parses step and value, and the timestamped layout", () => {
    const plain = parseRows("0\t1.5\n1\t0.25\n2\t3\n");
    expect([...plain.xs]).toEqual([0, 1, 2]);
    expect([...plain.ys]).toEqual([1.5, 0.25, 3]);
    const stamped = parseRows("1700000000000\t4\t0.5\n1700000000100\t5\t0.75\n", true);
    expect([...stamped.xs]).toEqual([4, 5]);
    expect([...stamped.ys]).toEqual([0.5, 0.75]);
  });

  it("leaves text, nan and inf out of the chart", () => {
    const rows = parseRows('0\tnan\n1\tinf\n2\thello\n3\t"a\tb"\n4\t\n5\t1e-3\n');
    expect([...rows.xs]).toEqual([5]);
    expect([...rows.ys]).toEqual([0.001]);
  });

  it("grows a series as chunks arrive", () => {
    const series = new SeriesData(2);
    for (let chunk = 0; chunk < 10; chunk++) {
      const { xs, ys } = parseRows(`${chunk * 2}\t${chunk}\n${chunk * 2 + 1}\t${chunk + 0.5}\n`);
      series.extend(xs, ys);
    }
    series.push(20, 10);
    expect(series.n).toBe(21);
    expect(series.lastX).toBe(20);
    expect([...series.ys.subarray(0, 4)]).toEqual([0, 0.5, 1, 1.5]);
  });
});

describe("image slider state", () => {
  it("recognises one image per step", () => {
    expect(parseImageName("samples/3.png")).toEqual({ key: "samples", step: 3 });
    expect(parseImageName("a/b/12.JPG")).toEqual({ key: "a/b", step: 12 });
    expect(parseImageName("confusion.png")).toEqual({ key: "confusion.png", step: null });
    expect(parseImageName("3.png")).toEqual({ key: "3.png", step: null });
  });

  it("follows the newest step until the slider is moved back, then stays", () => {
    const state = new ImageState();
    state.add("samples/0.png", "u0");
    state.add("samples/1.png", "u1");
    expect(state.current("samples").url).toBe("u1");
    expect(state.select("samples", 0).url).toBe("u0");
    state.add("samples/2.png", "u2");
    expect(state.current("samples").url).toBe("u0"); // the user is looking at step 0
    expect(state.select("samples", 2).url).toBe("u2");
    state.add("samples/3.png", "u3");
    expect(state.current("samples").url).toBe("u3"); // following again
    expect(state.groups.get("samples").frames.map((f) => f.step)).toEqual([0, 1, 2, 3]);
  });

  it("orders frames by step and replaces an image logged again", () => {
    const state = new ImageState();
    state.add("s/10.png", "a");
    state.add("s/2.png", "b");
    const { replaced } = state.add("s/10.png", "c");
    expect(replaced).toBe("a");
    expect(state.groups.get("s").frames.map((f) => [f.step, f.url])).toEqual([
      [2, "b"],
      [10, "c"],
    ]);
    const single = state.add("cm.png", "x");
    expect(single.group.slider).toBe(false);
    expect(state.add("cm.png", "y").replaced).toBe("x");
    expect(state.current("cm.png").url).toBe("y");
    expect(state.urls().sort()).toEqual(["b", "c", "y"]);
  });
});

describe("escaping and formatting", () => {
  it("escapes markup characters", () => {
    expect(escapeHtml("<img src=x onerror=alert(1)>")).toBe("&lt;img src=x onerror=alert(1)&gt;");
    expect(escapeHtml(`"'&\``)).toBe("&quot;&#39;&amp;&#96;");
    expect(safeToken("a/b c<d>")).toBe("a_b_c_d_");
  });

  it("formats values and durations", () => {
    expect(formatValue(0.123456789)).toBe("0.123457");
    expect(formatValue(3)).toBe("3");
    expect(formatValue("x".repeat(100)).length).toBe(80);
    expect(formatElapsed(65)).toBe("1:05");
    expect(formatElapsed(3725)).toBe("1:02:05");
  });

  it("counts the steps done, as the charts' x axes end one before", () => {
    expect(formatSteps(30)).toBe("30 steps"); // steps 0..29
    expect(formatSteps(1)).toBe("1 step");
    expect(formatSteps(0)).toBe("");
    expect(formatSteps(undefined)).toBe("");
  });

  it("gives each metric the colour the static charts give it (tests/test_dashboard.py pins the same)", () => {
    expect(colorFor("train/loss")).toBe("#4c78a8");
    expect(colorFor("train/acc")).toBe("#9d755d");
    expect(colorFor("eval/loss")).toBe("#e45756");
    expect(colorFor("eval/acc")).toBe("#54a24b");
    expect(colorFor("loss")).toBe("#938883");
    expect(colorFor("é/ü 🙂")).toBe("#e45756");
    expect(colorFor("a".repeat(200))).toBe("#9d755d");
  });
});

describe("plot records", () => {
  // the specs themselves are built and tested in Python: tests/test_chart_specs.py
  it("finds the records of a plot file", () => {
    expect(plotRecords({ roc: [{ fpr: 0, tpr: 0 }] })).toEqual([{ fpr: 0, tpr: 0 }]);
    expect(plotRecords([{ actual: 1, predicted: 0 }])).toHaveLength(1);
    expect(plotRecords(null)).toEqual([]);
  });
});

