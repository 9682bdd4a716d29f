// @vitest-environment jsdom
import { describe, expect, it } from "vitest";
import {
  StreamingDownsampler,
  bucketIndices,
  bucketSizeFor,
  downsample,
  downsampleIndices,
} from "../src/dashboard/downsample.js";

function noisy(n, seed = 1) {
  // a deterministic noisy curve with a few spikes and dips
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xs[i] = i;
    ys[i] = Math.exp(-i / (n / 3)) + 0.05 * (random() - 0.5);
  }
  ys[12345] = 5; // a spike
  ys[67890] = -3; // a dip
  return { xs, ys };
}

/** A Vega-like data source: applies the downsampler's changes as a changeset would. */
function applyChange(rows, change) {
  const kept = change.reset ? [] : rows.filter((row) => row._b < change.removeFrom);
  return kept.concat(change.insert);
}

describe("bucketSizeFor", () => {
  it("keeps every point while they fit, then uses powers of two", () => {
    expect(bucketSizeFor(0, 2000)).toBe(1);
    expect(bucketSizeFor(2000, 2000)).toBe(1);
    expect(bucketSizeFor(2001, 2000)).toBe(4);
    expect(bucketSizeFor(100_000, 2000)).toBe(128);
    for (const n of [2001, 5000, 99_999, 100_000, 1_000_000]) {
      const bucket = bucketSizeFor(n, 2000);
      expect(2 * Math.ceil(n / bucket) + 1).toBeLessThanOrEqual(2000);
      expect(Math.log2(bucket) % 1).toBe(0);
    }
  });
});

describe("bucketIndices", () => {
  it("keeps the min and the max in order, and the last point when asked", () => {
    const ys = [3, 1, 4, 1, 5, 9, 2, 6];
    expect(bucketIndices(ys, 0, 8)).toEqual([1, 5]);
    expect(bucketIndices(ys, 0, 8, true)).toEqual([1, 5, 7]);
    expect(bucketIndices(ys, 5, 6, true)).toEqual([5]);
    expect(bucketIndices([9, 1], 0, 2)).toEqual([1, 0].sort());
  });
});

describe("downsample of 100,000 points", () => {
  const n = 100_000;
  const { xs, ys } = noisy(n);
  const indices = downsampleIndices(ys, n, 2000);

  it("keeps at most 2,000 points, in order", () => {
    expect(indices.length).toBeLessThanOrEqual(2000);
    expect(indices.length).toBeGreaterThan(1000);
    for (let i = 1; i < indices.length; i++) expect(indices[i]).toBeGreaterThan(indices[i - 1]);
  });

  it("keeps the global min and max, the spikes, the first and the last point", () => {
    const values = indices.map((i) => ys[i]);
    expect(Math.max(...values)).toBe(5);
    expect(Math.min(...values)).toBe(-3);
    expect(indices).toContain(12345);
    expect(indices).toContain(67890);
    expect(indices[indices.length - 1]).toBe(n - 1);
  });

  it("keeps each bucket's min and max", () => {
    const bucket = bucketSizeFor(n, 2000);
    const kept = new Set(indices);
    for (let start = 0; start < n; start += bucket) {
      const end = Math.min(n, start + bucket);
      let lo = start;
      let hi = start;
      for (let i = start; i < end; i++) {
        if (ys[i] < ys[lo]) lo = i;
        if (ys[i] > ys[hi]) hi = i;
      }
      expect(kept.has(lo) && kept.has(hi)).toBe(true);
    }
  });

  it("returns the x and y of the kept points", () => {
    const result = downsample(xs, ys, 2000);
    expect(result.xs).toEqual(indices.map((i) => xs[i]));
    expect(result.ys).toEqual(indices.map((i) => ys[i]));
  });

  it("keeps everything when it fits", () => {
    expect(downsampleIndices([1, 2, 3], 3, 2000)).toEqual([0, 1, 2]);
    expect(downsampleIndices([], 0, 2000)).toEqual([]);
  });
});

describe("StreamingDownsampler", () => {
  it("appended in chunks, ends with exactly what a one-off downsample draws", () => {
    const n = 100_000;
    const { xs, ys } = noisy(n, 7);
    const streaming = new StreamingDownsampler(2000);
    let rows = [];
    let inserted = 0;
    let resets = 0;
    for (let end = 0; end < n; ) {
      end = Math.min(n, end + 1 + ((end * 7919) % 3001)); // uneven chunks, as messages arrive
      const change = streaming.update(xs, ys, end);
      if (!change) continue;
      if (change.reset) resets += 1;
      inserted += change.insert.length;
      rows = applyChange(rows, change);
      expect(rows.length).toBe(streaming.count);
      expect(rows.length).toBeLessThanOrEqual(2000);
    }
    const expected = downsampleIndices(ys, n, 2000).map((i) => [xs[i], ys[i]]);
    const drawn = rows.map((row) => [row.step, row.value]).sort((a, b) => a[0] - b[0]);
    expect(drawn).toEqual(expected);
    // the bucket size doubled a few times; otherwise only the new buckets were inserted
    expect(resets).toBeLessThanOrEqual(Math.ceil(Math.log2(n / 2000)) + 2);
    expect(inserted).toBeLessThan(12 * 2000);
  });

  it("point by point below the limit inserts each point once and removes only the open bucket", () => {
    const streaming = new StreamingDownsampler(2000);
    const xs = [0, 1, 2];
    const ys = [0.5, 0.4, 0.3];
    expect(streaming.update(xs, ys, 1)).toEqual({ reset: true, insert: [{ step: 0, value: 0.5, _b: 0 }] });
    const change = streaming.update(xs, ys, 3);
    expect(change.reset).toBe(false);
    expect(change.removeFrom).toBe(0);
    expect(change.insert.map((row) => row.step)).toEqual([0, 1, 2]);
    expect(streaming.update(xs, ys, 3)).toBeNull();
  });
});

describe("the same rule as Python's", () => {
  // tests/test_downsample_parity.py writes the series and the indices live_nb/render/downsample.py keeps
  it("keeps the indices Python keeps", async () => {
    const { default: cases } = await import("./fixtures/downsample.json");
    for (const { name, values, max_points: maxPoints, kept } of cases) {
      expect(downsampleIndices(Float64Array.from(values), values.length, maxPoints), name).toEqual(kept);
    }
  });
});
