// The one way the experiments table makes elements: text goes in through
// textContent and attributes through setAttribute, never through innerHTML, so
// whatever a user typed (names, messages, values) is shown as text.

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

export function button(label, action, { title, className } = {}) {
  return element("button", {
    className: className ?? "live-nb-table-button",
    text: label,
    attrs: { type: "button", "data-action": action, title },
  });
}
