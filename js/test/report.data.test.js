// @vitest-environment jsdom
// The report's data island: reading it, images as data: URLs, the line above the dashboard.
import { describe, expect, it } from "vitest";
import {
  DATA_ID,
  dataUrl,
  formatGenerated,
  loggedCount,
  metaText,
  parseReportData,
  readReportData,
  reportMessage,
} from "../src/report/data.js";

const XSS = "<img src=x onerror=alert(1)>";

function island(text) {
  document.body.replaceChildren();
  const el = document.createElement("script");
  el.type = "application/json";
  el.id = DATA_ID;
  el.textContent = text;
  document.body.appendChild(el);
}

describe("report data", () => {
  it("reads the island, escaped as Python writes it", () => {
    // Python writes "<", ">" and "&" as JSON escapes: JSON.parse gives the text back
    island(String.raw`{"format":"live_nb-report","version":1,"message":{"title":"\u003c/script\u003e\u003cimg src=x onerror=alert(1)\u003e \u0026"}}`);
    const data = readReportData(document);
    expect(data.message.title).toBe("</script><img src=x onerror=alert(1)> &");
  });

  it("gives null without an island and refuses other JSON", () => {
    document.body.replaceChildren();
    expect(readReportData(document)).toBeNull();
    expect(() => parseReportData('{"format":"other"}')).toThrow(/not a live_nb report/);
    expect(() => parseReportData("{")).toThrow();
    expect(() => parseReportData('{"format":"live_nb-report","version":99}')).toThrow(/newer live_nb/);
  });

  it("makes data: URLs of PNG, JPEG and GIF base64 only", () => {
    expect(dataUrl("iVBORw0K", "image/png")).toBe("data:image/png;base64,iVBORw0K");
    expect(dataUrl("/9j/4AAQ", "image/jpeg")).toBe("data:image/jpeg;base64,/9j/4AAQ");
    expect(dataUrl("R0lGOD==", "image/gif")).toBe("data:image/gif;base64,R0lGOD==");
    expect(dataUrl("PHN2Zz4=", "image/svg+xml")).toBe("");
    expect(dataUrl('x" onerror="alert(1)', "image/png")).toBe("");
    expect(dataUrl("javascript:alert(1)", "image/png")).toBe("");
    expect(dataUrl(new Uint8Array([1, 2]), "image/png")).toBe("");
  });

  it("turns the data into one reset message for the dashboard store", () => {
    const message = reportMessage({ message: { type: "update", seq: 7, title: "t", series: [] } });
    expect(message).toEqual({ type: "update", seq: 0, reset: true, title: "t", series: [] });
    expect(reportMessage({})).toEqual({ type: "update", seq: 0, reset: true });
  });

  it("counts the points logged, not only the points embedded", () => {
    const data = { counts: { loss: 100000 } };
    expect(loggedCount(data, "loss", 1999)).toBe(100000);
    expect(loggedCount(data, "acc", 12)).toBe(12);
  });

  it("says when the report was written and that it reloads while the run goes on", () => {
    expect(formatGenerated("2024-05-01T12:00:03+00:00")).toMatch(/^2024-05-0[12] \d\d:\d\d:03$/);
    expect(formatGenerated("not a date")).toBe("");
    const running = { generated: "2024-05-01T12:00:03Z", refresh: 5, message: { running: true } };
    expect(metaText(running)).toMatch(/^written 2024-05-0[12] .* · the run goes on: this page reloads every 5 s$/);
    const done = { ...running, refresh: null, message: { running: false }, omitted: { images: 2 } };
    expect(metaText(done)).toMatch(/^written .* · 2 images left out/);
    expect(metaText({ title: XSS })).toBe("");
  });
});
