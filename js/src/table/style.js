// The experiments table's style sheet (static text: no user data in it). It uses
// JupyterLab's theme variables, with fallbacks for other front ends.
//
// Changed cells get a translucent tint of the theme's warning colour over the
// row's own background (ticked rows: a tint of its brand colour), and keep the theme's
// text colour: readable in light and dark themes alike (an opaque light
// "color3" under a dark theme's light text is not). js/test/table.style.test.js
// checks the contrast with JupyterLab's light and dark theme colours.

export const ROW_HEIGHT = 24; // px; every row has this height so rows can be virtualised
export const VIEWPORT = 480; // px; the scroll box's largest height

import { STATUS_STYLE } from "../common/status.js";

export const STYLE = `${STATUS_STYLE}
.live-nb-table {
  --lnt-fg: var(--jp-ui-font-color1, #1f1f1f);
  --lnt-muted: var(--jp-ui-font-color2, #616161);
  --lnt-bg: var(--jp-layout-color1, #ffffff);
  --lnt-bg2: var(--jp-layout-color2, #eeeeee);
  --lnt-border: var(--jp-border-color2, #d0d0d0);
  --lnt-accent: var(--jp-brand-color1, #1976d2);
  --lnt-changed: color-mix(in srgb, var(--jp-warn-color1, #f57c00) 25%, transparent);
  --lnt-selected: color-mix(in srgb, var(--jp-brand-color1, #1976d2) 22%, transparent);
  --lnt-error: var(--jp-error-color1, #d32f2f);
  --lnt-ok: var(--jp-success-color1, #388e3c);
  color: var(--lnt-fg);
  font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: 12px;
}
.live-nb-table-toolbar { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; margin-bottom: 6px; }
.live-nb-table-filter { flex: 1 1 260px; min-width: 160px; padding: 3px 6px; font: inherit;
  color: var(--lnt-fg); background: var(--lnt-bg); border: 1px solid var(--lnt-border); border-radius: 3px; }
.live-nb-table-filter-note { flex: 1 1 100%; order: 99; font-size: 0.9em; color: var(--jp-warn-color0, #b35c00); }
.live-nb-table-key { color: var(--lnt-muted); white-space: nowrap; }
.live-nb-table-key[hidden] { display: none; }
.live-nb-table-swatch.live-nb-table-changed { background: var(--lnt-changed); color: var(--lnt-fg); font-weight: 600; padding: 0 4px; border-radius: 2px; }
.live-nb-table-toggle { display: inline-flex; gap: 4px; align-items: center; white-space: nowrap; }
.live-nb-table-count { color: var(--lnt-muted); white-space: nowrap; }
.live-nb-table-button { font: inherit; padding: 3px 10px; cursor: pointer; color: var(--lnt-fg);
  background: var(--lnt-bg2); border: 1px solid var(--lnt-border); border-radius: 3px; }
.live-nb-table-button:disabled { opacity: 0.45; cursor: default; }
.live-nb-table-button[data-action="remove"], .live-nb-table-button.live-nb-table-danger { color: var(--lnt-error); }
.live-nb-table-confirm { display: flex; flex-wrap: wrap; gap: 6px; align-items: center; padding: 6px;
  margin-bottom: 6px; border: 1px solid var(--lnt-accent); border-radius: 3px; }
.live-nb-table-confirm[hidden] { display: none; }
.live-nb-table-confirm input { font: inherit; padding: 2px 6px; min-width: 200px; }
.live-nb-table-confirm-error { color: var(--lnt-error); flex-basis: 100%; white-space: pre-wrap; }
.live-nb-table-confirm-error:empty { display: none; }
.live-nb-table-message { white-space: pre-wrap; margin-bottom: 6px; }
.live-nb-table-message:empty, .live-nb-table-message[hidden] { display: none; }
.live-nb-table-message[data-state="error"] { color: var(--lnt-error); }
.live-nb-table-message[data-state="ok"] { color: var(--lnt-ok); }
.live-nb-table-message[data-state="info"] { color: var(--lnt-muted); }
.live-nb-table-scroll { max-height: ${VIEWPORT}px; overflow: auto; border: 1px solid var(--lnt-border); }
.live-nb-table-grid { border-collapse: separate; border-spacing: 0; table-layout: fixed; }
.live-nb-table-grid th, .live-nb-table-grid td { height: ${ROW_HEIGHT}px; box-sizing: border-box;
  padding: 0 6px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis;
  border-bottom: 1px solid var(--lnt-border); text-align: left; }
.live-nb-table-grid th { position: sticky; top: 0; z-index: 1; background: var(--lnt-bg2); font-weight: 600; }
.live-nb-table-grid .live-nb-table-check { position: sticky; left: 0; z-index: 1; background: var(--lnt-bg); }
.live-nb-table-grid .live-nb-table-name { position: sticky; left: 28px; z-index: 1; background: var(--lnt-bg);
  box-shadow: inset -1px 0 0 var(--lnt-border); }
.live-nb-table-grid th.live-nb-table-check, .live-nb-table-grid th.live-nb-table-name { z-index: 2; background: var(--lnt-bg2); }
.live-nb-table-grid th.live-nb-table-metric { box-shadow: inset 0 -2px 0 #0072B2; }
.live-nb-table-grid th.live-nb-table-param { box-shadow: inset 0 -2px 0 #E69F00; }
.live-nb-table-sort { all: unset; cursor: pointer; display: block; overflow: hidden; text-overflow: ellipsis; }
.live-nb-table-sort:focus-visible { outline: 2px solid var(--lnt-accent); }
.live-nb-table-grid td.live-nb-table-num, .live-nb-table-grid th.live-nb-table-num { text-align: right; }
.live-nb-table-grid td.live-nb-table-changed { background: var(--lnt-changed); font-weight: 600; }
.live-nb-table-grid tr[data-kind="baseline"] td { font-weight: 600; }
.live-nb-table-grid tr[data-kind="workspace"] td { font-style: italic; }
.live-nb-table-grid tr.live-nb-table-selected td { background: var(--lnt-selected); }
.live-nb-table-grid tr.live-nb-table-selected td.live-nb-table-check,
.live-nb-table-grid tr.live-nb-table-selected td.live-nb-table-name {
  background: linear-gradient(var(--lnt-selected), var(--lnt-selected)) var(--lnt-bg); }
.live-nb-table-grid tr.live-nb-table-selected td.live-nb-table-changed { background: var(--lnt-changed); }
.live-nb-table-grid .live-nb-table-check { width: 28px; text-align: center; padding: 0; }
.live-nb-table-spacer td { border: 0; padding: 0; }
.live-nb-table-star { all: unset; cursor: pointer; width: 1.2em; display: inline-block; text-align: center;
  color: var(--lnt-muted); }
.live-nb-table-star::before { content: "\\2606"; }
.live-nb-table-star[aria-pressed="true"] { color: var(--jp-warn-color1, #e69f00); }
.live-nb-table-star[aria-pressed="true"]::before { content: "\\2605"; }
.live-nb-table-star:focus-visible, .live-nb-table-open:focus-visible { outline: 2px solid var(--lnt-accent); }
.live-nb-table-open { all: unset; cursor: pointer; }
.live-nb-table-open:hover { text-decoration: underline; color: var(--lnt-accent); }
.live-nb-table-grid tr.live-nb-table-pinned-last td { border-bottom: 2px solid var(--lnt-border); }
.live-nb-table-chain { all: unset; cursor: pointer; color: var(--lnt-accent); margin-right: 4px;
  font-variant-numeric: tabular-nums; }
.live-nb-table-chain:focus-visible { outline: 2px solid var(--lnt-accent); }
.live-nb-table-grid tr[data-kind="checkpoint"] td { color: var(--lnt-muted); }
.live-nb-table-namebox { display: flex; align-items: center; min-width: 0; white-space: pre; }
.live-nb-table-namebox > * { flex: none; }
.live-nb-table-namebox > .live-nb-table-label { flex: 0 1 auto; min-width: 0; overflow: hidden; text-overflow: ellipsis; }
.live-nb-table[data-compact] .live-nb-table-state { width: 8px; height: 8px; padding: 0; margin-left: 4px;
  font-size: 0; line-height: 0; border-radius: 50%; background: currentColor; }
.live-nb-table[data-compact] .live-nb-table-key { display: none; }
.live-nb-table[data-compact] .live-nb-table-filter { min-width: 0; flex-basis: 100%; }
.live-nb-table-state { display: inline-block; margin-left: 6px; padding: 0 5px; border-radius: 8px;
  font-size: 0.85em; line-height: 16px; font-weight: 600; font-style: normal; vertical-align: 1px;
  color: var(--lnt-muted); border: 1px solid currentColor; }
.live-nb-table-state[data-state="running"] { color: var(--lnt-accent); }
.live-nb-table-state[data-state="failed"] { color: var(--lnt-error); }
.live-nb-table-grid tr:has(.live-nb-table-state[data-state="queued"]) td:not(.live-nb-table-check) {
  color: var(--lnt-muted); }
.live-nb-table-charts { margin-top: 8px; }
.live-nb-table-charts-note { color: var(--lnt-muted); margin-bottom: 4px; white-space: pre-wrap; }
.live-nb-table-legend { display: flex; flex-wrap: wrap; gap: 4px 14px; align-items: center; margin-bottom: 4px; }
.live-nb-table-legend:empty { display: none; }
.live-nb-table-legend-title { font-weight: 600; color: var(--lnt-muted); }
.live-nb-table-legend-item { display: inline-flex; gap: 5px; align-items: center; }
.live-nb-table-swatch { display: inline-block; width: 22px; height: 3px; }
.live-nb-table-chart-grid { display: flex; flex-wrap: wrap; gap: 12px; }
.live-nb-table-chart { min-width: 0; max-width: 100%; }
.live-nb-table-tooltip { position: fixed; z-index: 1000; pointer-events: none; padding: 4px 6px;
  background: var(--lnt-bg); color: var(--lnt-fg); border: 1px solid var(--lnt-border);
  border-radius: 3px; font-size: 11px; white-space: pre; }
`;
