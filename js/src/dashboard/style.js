// The dashboard's style sheet, scoped under .live-nb-dashboard and using
// JupyterLab's theme variables where they exist.

export const DASHBOARD_CSS = `
.live-nb-dashboard {
  font-family: var(--jp-ui-font-family, system-ui, sans-serif);
  font-size: 12px;
  color: var(--jp-ui-font-color1, #222);
  padding: 4px 0;
}
.live-nb-dashboard .live-nb-header { display: flex; flex-wrap: wrap; gap: 4px 12px; align-items: baseline; }
.live-nb-dashboard .live-nb-title { font-weight: 600; font-family: var(--jp-code-font-family, monospace); }
.live-nb-dashboard .live-nb-status { font-weight: 600; }
.live-nb-dashboard .live-nb-step:empty { display: none; }
.live-nb-dashboard .live-nb-note { margin: 2px 0 4px; color: var(--jp-ui-font-color2, #555); white-space: pre-wrap; }
.live-nb-dashboard .live-nb-note:empty { display: none; }
.live-nb-dashboard .live-nb-section { margin-top: 6px; }
.live-nb-dashboard .live-nb-section:empty { display: none; }
.live-nb-dashboard .live-nb-group-title { font-weight: 600; margin: 6px 0 2px; color: var(--jp-ui-font-color2, #555); }
.live-nb-dashboard .live-nb-charts, .live-nb-dashboard .live-nb-images, .live-nb-dashboard .live-nb-plots {
  display: flex; flex-wrap: wrap; gap: 8px;
}
.live-nb-dashboard .live-nb-chart, .live-nb-dashboard .live-nb-plot, .live-nb-dashboard .live-nb-image {
  border: 1px solid var(--jp-border-color2, #e0e0e0); border-radius: 3px; padding: 4px;
  background: var(--jp-layout-color0, #fff); box-sizing: border-box; max-width: 100%; min-width: 0;
}
.live-nb-dashboard .live-nb-chart-head { display: flex; justify-content: space-between; gap: 8px; }
.live-nb-dashboard .live-nb-chart-name { font-family: var(--jp-code-font-family, monospace); overflow-wrap: anywhere; }
.live-nb-dashboard .live-nb-chart-value { font-family: var(--jp-code-font-family, monospace); font-weight: 600; }
.live-nb-dashboard table { border-collapse: collapse; }
.live-nb-dashboard td, .live-nb-dashboard th {
  text-align: left; padding: 1px 10px 1px 0; font-family: var(--jp-code-font-family, monospace);
  vertical-align: top; overflow-wrap: anywhere;
}
.live-nb-dashboard th { font-family: inherit; color: var(--jp-ui-font-color2, #555); font-weight: 600; }
.live-nb-dashboard .live-nb-tables { display: flex; flex-wrap: wrap; gap: 4px 32px; align-items: flex-start; }
.live-nb-dashboard .live-nb-img { display: block; max-width: min(320px, 100%); max-height: 320px; image-rendering: auto; }
.live-nb-dashboard .live-nb-image-name { font-family: var(--jp-code-font-family, monospace); margin-bottom: 2px; }
.live-nb-dashboard .live-nb-slider-row { display: flex; gap: 6px; align-items: center; }
.live-nb-dashboard .live-nb-slider { flex: 1; }
`;
