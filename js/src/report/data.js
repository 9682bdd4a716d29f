// The data of an HTML report (live_nb/report.py writes it): one JSON island,
//   <script type="application/json" id="live-nb-report-data">{...}</script>
// holding
//   { format: "live_nb-report", version: 1,
//     generated: ISO time of writing, refresh: seconds between reloads while the run goes on (or null),
//     dir: the run's folder,
//     message: the run as one dashboard update (see ../dashboard/store.js), its images as
//              { name, mime, bytes: base64 } and its series as { name, steps, values },
//     counts: { metric: points logged } (a long series is embedded downsampled),
//     omitted: { images: n, bytes: n } (images left out to keep the file small) }
// Python escapes "<", ">" and "&" in the JSON text, so no user string can end the element.

export const DATA_ID = "live-nb-report-data";
export const ROOT_ID = "live-nb-report";
export const FORMAT = "live_nb-report";
export const VERSION = 1;

const IMAGE_MIMES = new Set(["image/png", "image/jpeg", "image/gif"]);
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The report's data, read from its JSON island; null when the page has none. Throws on a broken island. */
export function readReportData(doc = document) {
  const island = doc.getElementById(DATA_ID);
  if (!island) return null;
  return parseReportData(island.textContent ?? "");
}

export function parseReportData(text) {
  const data = JSON.parse(text);
  if (!data || typeof data !== "object" || data.format !== FORMAT) {
    throw new Error("this is not a live_nb report's data");
  }
  if (typeof data.version === "number" && data.version > VERSION) {
    throw new Error(`this report was written by a newer live_nb (data version ${data.version})`);
  }
  return data;
}

/** An embedded image as a data: URL; "" unless it is a PNG, JPEG or GIF given as base64 text. */
export function dataUrl(base64, mime) {
  if (!IMAGE_MIMES.has(mime) || typeof base64 !== "string" || !BASE64.test(base64)) return "";
  return `data:${mime};base64,${base64}`;
}

/** The run as the one message a DashboardStore applies: everything at once. */
export function reportMessage(data) {
  const message = data?.message && typeof data.message === "object" ? data.message : {};
  return { ...message, type: "update", reset: true, seq: 0 };
}

/** The points logged for a metric (the chart may hold fewer: long series are downsampled). */
export function loggedCount(data, name, shown) {
  const count = data?.counts?.[name];
  return typeof count === "number" ? count : shown;
}

/** "2024-05-01 12:00:03" in the reader's time zone; "" for a missing or broken time. */
export function formatGenerated(iso) {
  if (typeof iso !== "string" || !iso) return "";
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  const pad = (n) => String(n).padStart(2, "0");
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`
  );
}

/** The line above the dashboard: when the report was written, and whether it reloads. */
export function metaText(data) {
  const parts = [];
  const generated = formatGenerated(data?.generated);
  if (generated) parts.push(`written ${generated}`);
  if (data?.message?.running && typeof data.refresh === "number" && data.refresh > 0) {
    parts.push(`the run goes on: this page reloads every ${data.refresh} s`);
  }
  const omitted = data?.omitted?.images ?? 0;
  if (omitted > 0) {
    parts.push(`${omitted} image${omitted === 1 ? "" : "s"} left out to keep this file small (see plots/images)`);
  }
  return parts.join(" · ");
}
