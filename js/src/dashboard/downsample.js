// Min/max downsampling for display (the rule of live_nb/render/downsample.py,
// checked against it by tests/test_downsample_parity.py): a series of any length is drawn with at
// most `maxPoints` points. The points are cut into buckets of consecutive
// points; each bucket keeps its smallest and its largest value (so spikes and
// dips stay visible), and the series' last point is always kept.
//
// Bucket sizes are powers of two, so a growing series changes bucket size only
// log2(n / maxPoints) times: between those changes, new points only add
// buckets at the end (see StreamingDownsampler), which is what makes appending
// to a live chart cheap.

import { DISPLAY_MAX_POINTS } from "../common/theme.js";

export const DEFAULT_MAX_POINTS = DISPLAY_MAX_POINTS;

/** The bucket size used for `n` points: 1 when they all fit, else the smallest power of two that fits. */
export function bucketSizeFor(n, maxPoints = DEFAULT_MAX_POINTS) {
  if (n <= maxPoints) return 1;
  let bucket = 2;
  // two points per bucket, plus the last point of the series
  while (2 * Math.ceil(n / bucket) + 1 > maxPoints) bucket *= 2;
  return bucket;
}

/**
 * The indices kept from ys[start:end): the index of the minimum and of the
 * maximum (first occurrence), and `end - 1` when `withLast`; in increasing order.
 */
export function bucketIndices(ys, start, end, withLast = false) {
  if (end - start <= 0) return [];
  if (end - start === 1) return [start];
  let lo = start;
  let hi = start;
  for (let i = start + 1; i < end; i++) {
    const y = ys[i];
    if (y < ys[lo]) lo = i;
    if (y > ys[hi]) hi = i;
  }
  const kept = lo === hi ? [lo] : lo < hi ? [lo, hi] : [hi, lo];
  if (withLast && kept[kept.length - 1] !== end - 1) kept.push(end - 1);
  return kept;
}

/** The indices of ys[0:n) to draw with at most `maxPoints` points (all of them when they fit). */
export function downsampleIndices(ys, n = ys.length, maxPoints = DEFAULT_MAX_POINTS) {
  const bucket = bucketSizeFor(n, maxPoints);
  if (bucket === 1) return Array.from({ length: n }, (_, i) => i);
  const indices = [];
  for (let start = 0; start < n; start += bucket) {
    const end = Math.min(n, start + bucket);
    for (const index of bucketIndices(ys, start, end, end === n)) indices.push(index);
  }
  return indices;
}

/** xs and ys downsampled together: { xs: number[], ys: number[] }. */
export function downsample(xs, ys, maxPoints = DEFAULT_MAX_POINTS, n = ys.length) {
  const indices = downsampleIndices(ys, n, maxPoints);
  return { xs: indices.map((i) => xs[i]), ys: indices.map((i) => ys[i]) };
}

/**
 * Keeps a chart's displayed points in step with a growing series.
 *
 * update(xs, ys, n) returns the change to apply to the chart's data:
 *   { reset: true, insert }            replace every displayed point, or
 *   { reset: false, removeFrom, insert } remove the displayed points whose
 *                                        bucket `_b >= removeFrom`, then insert.
 * Inserted tuples are { step, value, _b } objects. Only the last (open)
 * bucket is ever replaced, so the work per update is proportional to the new
 * points, except when the bucket size doubles (then everything is redone).
 */
export class StreamingDownsampler {
  constructor(maxPoints = DEFAULT_MAX_POINTS) {
    this.maxPoints = maxPoints;
    this.bucket = 0; // 0: nothing displayed yet
    this.seen = 0; // points of the series when last updated
    this.openBucket = 0; // the bucket holding the last point: the one that may still change
    this.openCount = 0; // displayed tuples of the open bucket
    this.count = 0; // displayed tuples in all
  }

  update(xs, ys, n) {
    const bucket = bucketSizeFor(n, this.maxPoints);
    if (n === this.seen && bucket === this.bucket) return null; // nothing new
    const reset = bucket !== this.bucket || n < this.seen;
    const from = reset ? 0 : this.openBucket;
    const insert = [];
    let lastBucket = -1;
    let openCount = 0;
    if (n > 0) {
      lastBucket = Math.floor((n - 1) / bucket);
      for (let b = from; b <= lastBucket; b++) {
        const start = b * bucket;
        const end = Math.min(n, start + bucket);
        const indices = bucketIndices(ys, start, end, b === lastBucket);
        for (const i of indices) insert.push({ step: xs[i], value: ys[i], _b: b });
        if (b === lastBucket) openCount = indices.length;
      }
    }
    this.count = (reset ? 0 : this.count - this.openCount) + insert.length;
    this.bucket = bucket;
    this.seen = n;
    this.openBucket = Math.max(0, lastBucket);
    this.openCount = openCount;
    return reset ? { reset: true, insert } : { reset: false, removeFrom: from, insert };
  }
}
