// The one way the experiments table makes elements: text goes in through
// textContent and attributes through setAttribute, never through innerHTML, so
// whatever a user typed (names, messages, values) is shown as text.

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {{ className?: string, text?: unknown, attrs?: Record<string, unknown>, style?: Partial<CSSStyleDeclaration> }} [options]
 * @param {(Node | null | undefined | false)[]} [children] falsy children are left out
 * @returns {HTMLElementTagNameMap[K]}
 */
export function element(tag, { className, text, attrs, style } = {}, children = []) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (attrs) {
    for (const [name, value] of Object.entries(attrs)) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  if (style) Object.assign(node.style, style);
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

/**
 * @param {string} label
 * @param {string} action the button's data-action
 * @param {{ title?: string, className?: string }} [options]
 */
export function button(label, action, { title, className } = {}) {
  return element("button", {
    className: className ?? "live-nb-table-button",
    text: label,
    attrs: { type: "button", "data-action": action, title },
  });
}

// A text's width in `ch` (the width of "0" at the normal weight), measured on a
// canvas in the table's font (JupyterLab's UI font at the style sheet's 12px),
// with a little room for rounding; null where there is no canvas (jsdom), and
// logic.js then estimates from the number of characters.
let measurer;

export function textMeasure() {
  if (measurer !== undefined) return measurer;
  measurer = null;
  try {
    if (/jsdom/i.test(globalThis.navigator?.userAgent ?? "")) return measurer; // no canvas
    const normal = document.createElement("canvas").getContext("2d");
    const bold = document.createElement("canvas").getContext("2d");
    if (!normal || !bold) return measurer;
    const variables = getComputedStyle(document.documentElement);
    const family = variables.getPropertyValue("--jp-ui-font-family").trim() || "system-ui, sans-serif";
    normal.font = `400 12px ${family}`;
    bold.font = `600 12px ${family}`;
    const zero = normal.measureText("0").width;
    if (!(zero > 0)) return measurer;
    measurer = (text, heavy = false) => (heavy ? bold : normal).measureText(text).width / zero + 0.25;
  } catch {
    measurer = null;
  }
  return measurer;
}
