// Text escaping for the few places where markup is built as a string (the HTML
// report, SVG exports). In the live DOM, user text goes in with textContent
// (see dom.js) and never needs escaping.

const HTML_ESCAPES = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/** `value` as text that is safe inside HTML/SVG/XML element content and quoted attributes. */
export function escapeHtml(value) {
  return String(value ?? "").replace(/[&<>"'`]/g, (char) => HTML_ESCAPES[char]);
}

/** A string that is safe as a CSS class name part or a data-* value key (letters, digits, - and _). */
export function safeToken(value) {
  return String(value ?? "").replace(/[^A-Za-z0-9_-]/g, "_");
}
