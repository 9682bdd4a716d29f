// @vitest-environment jsdom
import { describe, expect, it } from "vitest";

import { RunsModel, viewRow } from "../lab/src/running.js";
import { sparkPoints, sparkline } from "../src/runs/sparkline.js";

describe("the sidebar's Now running rows", () => {
  it("names a run without a name yet, and counts a running run's elapsed time on", () => {
    const row = viewRow({ id: "live:1-0", name: "", notebook: "a/train.ipynb", status: "running", elapsed: 2, metrics: {} }, 1.5);
    expect(row.name).toBe("(new experiment)");
    expect(row.params).toBe("train.ipynb");
    expect(row.target).toBe("a/train.ipynb");
    expect(row.elapsed).toBe(3.5);
    expect(viewRow({ id: "q", status: "done", elapsed: 4 }, 10).elapsed).toBe(4);
  });

  it("shows the server's sentence after a stop", async () => {
    const model = new RunsModel(async () => ({ ok: false, status: 400, data: { message: "not in a kernel <b>" } }));
    model.send({ kind: "kill", id: "live:1-0" });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(model.get("note")).toBe("not in a kernel <b>");
  });
});

describe("sparklines", () => {
  it("draws nothing for fewer than two finite values", () => {
    expect(sparkPoints([1])).toBe("");
    expect(sparkPoints([1, Number.NaN])).toBe("");
    expect(sparkline([], "x")).toBeNull();
  });

  it("spans the box from the lowest to the highest value", () => {
    expect(sparkPoints([0, 1], 10, 10)).toBe("0.0,9.0 10.0,1.0");
    const svg = sparkline([3, 2, 1], "loss");
    expect(svg.getAttribute("aria-label")).toBe("loss");
    expect(svg.querySelector("polyline").getAttribute("points").split(" ")).toHaveLength(3);
  });
});
