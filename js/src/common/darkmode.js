// Whether the page around a view is dark, and word when that changes. JupyterLab marks
// its theme on the body (data-jp-theme-light, set again when the user switches theme:
// Settings > Theme); VS Code marks it with the body's classes. Charts draw their axes
// and text in the theme's colours when they are embedded, so a view draws its charts
// again when told the theme changed (the HTML around them follows CSS variables alone).

/** True under a dark theme: JupyterLab's dark themes, VS Code's dark and high-contrast ones. */
export function isDarkTheme() {
  const body = globalThis.document?.body;
  if (!body) return false;
  if (body.dataset?.jpThemeLight === "false") return true;
  return Boolean(body.classList?.contains("vscode-dark") || body.classList?.contains("vscode-high-contrast"));
}

/**
 * Call `callback(dark)` each time the page goes from light to dark or back.
 * Returns a function that stops. Without a body or MutationObserver: never called.
 * @param {(dark: boolean) => void} callback
 * @returns {() => void}
 */
export function onThemeChange(callback) {
  const body = globalThis.document?.body;
  if (!body || typeof MutationObserver === "undefined") return () => {};
  let dark = isDarkTheme();
  const observer = new MutationObserver(() => {
    const now = isDarkTheme();
    if (now === dark) return;
    dark = now;
    callback(now);
  });
  observer.observe(body, { attributes: true, attributeFilter: ["data-jp-theme-light", "class"] });
  return () => observer.disconnect();
}
