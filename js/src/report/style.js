// The report page's own style; the dashboard brings its style sheet with it.

export const REPORT_CSS = `
body { margin: 0; background: #fff; }
.live-nb-report { padding: 12px 16px; font-family: system-ui, sans-serif; font-size: 12px; color: #222; }
.live-nb-report .live-nb-report-meta { color: #666; margin-bottom: 4px; }
.live-nb-report .live-nb-report-meta:empty { display: none; }
.live-nb-report .live-nb-report-error { color: #d62728; white-space: pre-wrap; }
.live-nb-report .live-nb-dashboard .live-nb-img { max-width: 480px; max-height: 480px; }
@media print { .live-nb-report .live-nb-slider-row { display: none; } }
`;
