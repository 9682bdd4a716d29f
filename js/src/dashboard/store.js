// The dashboard's data, one store per widget model, fed by the messages the
// Python side sends (live_nb/widgets/stream.py builds them). Every view of
// the model draws from the same store, so a view created late (the output
// re-rendered, a second view of the output) still shows everything.
//
// Message (content of a custom message, or the `snapshot` trait):
//   { type: "update", seq, reset?, title?, status?, note?, running?, step?, elapsed?,
//     params?: [[name, text]...], latest?: {name: value},
//     series?: [{ name, ts, buffer } | { name, steps, values }],
//     images?: [{ name, mime, buffer } | { name, mime, bytes }],
//     plots?:  [{ name, kind, config, buffer } | { name, kind, config, text | data }],
//     specs?:  { metrics?: {name: spec}, plots?: {name: spec} } }
// `buffer` indexes the message's binary buffers: TSV rows (series), image
// bytes (images) or JSON text (plots). `specs` holds each chart's Vega-Lite
// spec, built by live_nb/render/vegalite.py and reading a named data source:
// a metric's comes with its first rows, a plot's with its data (and all of
// them in a replay or a snapshot).

import { SeriesData, parseRows } from "./series.js";
import { ImageState } from "./images.js";

const decoder = new TextDecoder();

function asText(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return decoder.decode(value);
  return String(value);
}

function blobUrl(bytes, mime) {
  if (typeof URL === "undefined" || typeof URL.createObjectURL !== "function") return "";
  return URL.createObjectURL(new Blob([bytes], { type: mime || "application/octet-stream" }));
}

function revokeUrl(url) {
  if (url && typeof URL !== "undefined" && typeof URL.revokeObjectURL === "function") {
    URL.revokeObjectURL(url);
  }
}

/**
 * A plot file's JSON. Python writes non-finite numbers as bare Infinity / NaN
 * (a ROC curve's first threshold), which JSON.parse refuses: read them as null.
 */
export function parsePlotJson(text) {
  try {
    return JSON.parse(text);
  } catch {
    try {
      return JSON.parse(text.replace(/([:[,]\s*)(-?Infinity|NaN)(?=\s*[,\]}])/g, "$1null"));
    } catch {
      return undefined;
    }
  }
}

function now() {
  return typeof performance !== "undefined" ? performance.now() : Date.now();
}

function emptyState() {
  return {
    title: "",
    status: "running",
    note: "",
    running: true,
    step: 0,
    elapsed: 0,
    elapsedAt: now(),
    params: [],
    latest: new Map(),
    series: new Map(), // name -> { data: SeriesData, ts }
    plots: new Map(), // name -> { name, kind, config, data, version }
    specs: { metrics: new Map(), plots: new Map() }, // name -> Vega-Lite spec
  };
}

export class DashboardStore {
  constructor({ createUrl = blobUrl, releaseUrl = revokeUrl } = {}) {
    this.createUrl = createUrl;
    this.releaseUrl = releaseUrl;
    this.listeners = new Set();
    this.seq = -1;
    this.messages = 0;
    this.incomplete = false; // a message was missed: accept the next replay
    this.state = emptyState();
    this.images = new ImageState();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The elapsed seconds now: ticks on while the run is going. */
  elapsedNow(at = now()) {
    const { elapsed, elapsedAt, running } = this.state;
    return running ? elapsed + Math.max(0, at - elapsedAt) / 1000 : elapsed;
  }

  /** Apply one message; returns what changed (also given to every listener). */
  apply(message, buffers = []) {
    if (!message || message.type !== "update") return null;
    const seq = typeof message.seq === "number" ? message.seq : null;
    // A message seen already (two listeners on one model), or a replay of what we hold.
    if (seq !== null && seq <= this.seq && !message.reset) return null;
    if (message.reset && seq !== null && seq <= this.seq && this.messages > 0 && !this.incomplete) {
      return null;
    }
    // Messages were missed (the view started listening late): a replay is welcome then.
    if (message.reset) this.incomplete = false;
    else if (seq !== null && seq > this.seq + 1) this.incomplete = true;
    const changes = {
      reset: Boolean(message.reset),
      header: false,
      params: false,
      latest: false,
      series: new Set(),
      images: new Set(),
      plots: new Set(),
    };
    if (message.reset) this.clear();
    if (typeof message.seq === "number") this.seq = Math.max(this.seq, message.seq);
    this.messages += 1;
    const state = this.state;

    for (const key of ["title", "status", "note", "running", "step"]) {
      if (message[key] !== undefined && message[key] !== null) {
        state[key] = message[key];
        changes.header = true;
      }
    }
    if (typeof message.elapsed === "number") {
      state.elapsed = message.elapsed;
      state.elapsedAt = now();
      changes.header = true;
    }
    if (Array.isArray(message.params)) {
      state.params = message.params.map(([name, value]) => [String(name), value]);
      changes.params = true;
    }
    if (message.latest && typeof message.latest === "object") {
      for (const [name, value] of Object.entries(message.latest)) state.latest.set(name, value);
      changes.latest = true;
    }
    for (const entry of message.series ?? []) {
      const name = String(entry.name);
      let series = state.series.get(name);
      if (!series) {
        series = { data: new SeriesData(), ts: Boolean(entry.ts) };
        state.series.set(name, series);
      }
      if (entry.buffer !== undefined) {
        const { xs, ys } = parseRows(asText(buffers[entry.buffer]), Boolean(entry.ts));
        series.data.extend(xs, ys);
      } else if (Array.isArray(entry.steps) && Array.isArray(entry.values)) {
        const xs = Float64Array.from(entry.steps, Number);
        const ys = Float64Array.from(entry.values, Number);
        series.data.extend(xs, ys);
      }
      changes.series.add(name);
    }
    for (const entry of message.images ?? []) {
      const bytes = entry.buffer !== undefined ? buffers[entry.buffer] : entry.bytes;
      if (!bytes) continue;
      const url = this.createUrl(bytes, entry.mime);
      const { group, replaced } = this.images.add(String(entry.name), url);
      if (replaced) this.releaseUrl(replaced);
      changes.images.add(group.key);
    }
    for (const entry of message.plots ?? []) {
      const name = String(entry.name);
      const text = entry.buffer !== undefined ? asText(buffers[entry.buffer]) : asText(entry.text);
      const data = entry.data ?? parsePlotJson(text);
      if (data === undefined) continue;
      const previous = state.plots.get(name);
      state.plots.set(name, {
        name,
        kind: entry.kind ?? "custom",
        config: entry.config ?? previous?.config ?? {},
        data,
        version: (previous?.version ?? 0) + 1,
      });
      changes.plots.add(name);
    }
    for (const kind of ["metrics", "plots"]) {
      for (const [name, spec] of Object.entries(message.specs?.[kind] ?? {})) {
        state.specs[kind].set(name, spec);
        changes[kind === "metrics" ? "series" : "plots"].add(name);
      }
    }
    this.emit(changes);
    return changes;
  }

  /** Move an image slider (shared by every view of the model); tells the listeners. */
  selectImage(key, index) {
    const frame = this.images.select(key, index);
    this.emit({ reset: false, header: false, params: false, latest: false, series: new Set(), images: new Set([key]), plots: new Set() });
    return frame;
  }

  emit(changes) {
    for (const listener of [...this.listeners]) listener(changes, this);
  }

  clear() {
    for (const url of this.images.urls()) this.releaseUrl(url);
    this.images = new ImageState();
    this.state = emptyState();
  }

  dispose() {
    for (const url of this.images.urls()) this.releaseUrl(url);
    this.listeners.clear();
  }
}
