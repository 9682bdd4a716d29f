// A tiny element builder. Every string given to it becomes text (textContent
// or a Text node): nothing here ever parses markup, so user-supplied names and
// values cannot inject HTML.

/**
 * h("div", { className: "x", text: "hello", title: "tip", dataset: { points: 3 } }, child, "text")
 *
 * props: className, text (textContent), title, dataset (data-* attributes),
 * attrs (other attributes, set with setAttribute), style (object of CSS
 * properties), on (object of event listeners).
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  const { className, text, title, dataset, attrs, style, on } = props ?? {};
  if (className) el.className = className;
  if (text !== undefined && text !== null) el.textContent = String(text);
  if (title !== undefined && title !== null) el.title = String(title);
  for (const [key, value] of Object.entries(dataset ?? {})) el.dataset[key] = String(value);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (/^on/i.test(key)) throw new Error(`h(): use props.on for event handlers, not ${key}`);
    el.setAttribute(key, String(value));
  }
  for (const [key, value] of Object.entries(style ?? {})) el.style.setProperty(key, String(value));
  for (const [event, listener] of Object.entries(on ?? {})) el.addEventListener(event, listener);
  append(el, ...children);
  return el;
}

/** Append children: nodes as they are, strings and numbers as Text nodes, null/false skipped. */
export function append(parent, ...children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

/** Set an element's text only when it changed (no layout work for identical updates). */
export function setText(el, value) {
  const text = String(value ?? "");
  if (el.textContent !== text) el.textContent = text;
}
