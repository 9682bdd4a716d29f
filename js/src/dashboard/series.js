// Metric histories as they arrive: growable Float64Array columns, and the
// parser for the rows Python sends (DVCLive's TSV rows, as written to
// plots/metrics/<name>.tsv, without the header).

export class SeriesData {
  constructor(capacity = 1024) {
    this.xs = new Float64Array(capacity);
    this.ys = new Float64Array(capacity);
    this.n = 0;
  }

  push(x, y) {
    if (this.n === this.xs.length) this.grow(this.n * 2);
    this.xs[this.n] = x;
    this.ys[this.n] = y;
    this.n += 1;
  }

  extend(xs, ys) {
    const count = Math.min(xs.length, ys.length);
    if (this.n + count > this.xs.length) this.grow(Math.max(this.n + count, this.xs.length * 2));
    this.xs.set(xs.subarray ? xs.subarray(0, count) : xs.slice(0, count), this.n);
    this.ys.set(ys.subarray ? ys.subarray(0, count) : ys.slice(0, count), this.n);
    this.n += count;
  }

  grow(capacity) {
    const xs = new Float64Array(capacity);
    const ys = new Float64Array(capacity);
    xs.set(this.xs.subarray(0, this.n));
    ys.set(this.ys.subarray(0, this.n));
    this.xs = xs;
    this.ys = ys;
  }

  get lastX() {
    return this.n ? this.xs[this.n - 1] : undefined;
  }

  get lastY() {
    return this.n ? this.ys[this.n - 1] : undefined;
  }
}

/**
 * Parse TSV rows "step\tvalue\n" (or "timestamp\tstep\tvalue\n" when
 * `timestamped`) into { xs, ys } Float64Arrays. Rows whose value is not a
 * finite number (text metrics, "nan", "inf") are left out of the chart.
 */
export function parseRows(text, timestamped = false) {
  const lines = text.split("\n");
  const xs = new Float64Array(lines.length);
  const ys = new Float64Array(lines.length);
  const stepColumn = timestamped ? 1 : 0;
  let n = 0;
  for (const line of lines) {
    if (!line) continue;
    const fields = line.split("\t");
    if (fields.length < stepColumn + 2) continue;
    const x = Number(fields[stepColumn]);
    const y = Number(fields[fields.length - 1]);
    if (!Number.isFinite(x) || !Number.isFinite(y) || fields[fields.length - 1].trim() === "") continue;
    xs[n] = x;
    ys[n] = y;
    n += 1;
  }
  return { xs: xs.subarray(0, n), ys: ys.subarray(0, n) };
}
