// The table's colours against JupyterLab's light and dark themes: the text of a
// highlighted (changed) cell, ticked or not, must stay readable (WCAG AA, 4.5:1).
import { describe, expect, it } from "vitest";
import { STYLE } from "../src/table/style.js";

// The theme variables the style sheet uses, as JupyterLab 4's themes set them.
const THEMES = {
  light: {
    "--jp-layout-color0": "#ffffff",
    "--jp-layout-color1": "#ffffff",
    "--jp-layout-color2": "#eeeeee",
    "--jp-layout-color3": "#bdbdbd",
    "--jp-ui-font-color1": "rgba(0, 0, 0, 0.87)",
    "--jp-warn-color1": "#f57c00",
    "--jp-warn-color3": "#ffe0b2",
    "--jp-brand-color1": "#1976d2",
  },
  dark: {
    "--jp-layout-color0": "#111111",
    "--jp-layout-color1": "#212121",
    "--jp-layout-color2": "#424242",
    "--jp-layout-color3": "#616161",
    "--jp-ui-font-color1": "rgba(255, 255, 255, 0.87)",
    "--jp-warn-color1": "#ff9800",
    "--jp-warn-color3": "#ffe0b2",
    "--jp-brand-color1": "#1976d2",
  },
};

// ---- a small CSS colour evaluator: var(), color-mix(in srgb, ...), layered backgrounds ----

function splitTop(text, separator = ",") {
  const parts = [];
  let depth = 0;
  let current = "";
  for (const char of text) {
    if (char === "(") depth += 1;
    if (char === ")") depth -= 1;
    if (char === separator && depth === 0) {
      parts.push(current.trim());
      current = "";
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts;
}

function parseColor(text) {
  const value = text.trim().toLowerCase();
  if (value === "transparent") return [0, 0, 0, 0];
  if (value === "white") return [255, 255, 255, 1];
  let match = /^#([0-9a-f]{6})$/.exec(value);
  if (match) return [0, 2, 4].map((i) => parseInt(match[1].slice(i, i + 2), 16)).concat(1);
  match = /^rgba?\((.*)\)$/.exec(value);
  if (match) {
    const [r, g, b, a = "1"] = match[1].split(/[\s,/]+/).filter(Boolean);
    return [Number(r), Number(g), Number(b), Number(a)];
  }
  throw new Error(`not a colour this test reads: ${text}`);
}

function customProperties() {
  const block = /\.live-nb-table \{([^}]*)\}/.exec(STYLE)[1];
  return Object.fromEntries([...block.matchAll(/(--lnt-[\w-]+):\s*([^;]+);/g)].map((m) => [m[1], m[2].trim()]));
}

function evaluate(expression, theme, own) {
  const text = expression.trim();
  let match = /^var\((--[\w-]+)(?:,(.*))?\)$/s.exec(text);
  if (match) {
    if (theme[match[1]]) return evaluate(theme[match[1]], theme, own);
    if (own[match[1]]) return evaluate(own[match[1]], theme, own);
    return evaluate(match[2], theme, own);
  }
  match = /^color-mix\(in srgb,(.*)\)$/s.exec(text);
  if (match) {
    const [first, second] = splitTop(match[1]).map((part) => {
      const percent = /\s(\d+(?:\.\d+)?)%$/.exec(part);
      return { color: evaluate(percent ? part.slice(0, percent.index) : part, theme, own), p: percent ? Number(percent[1]) / 100 : null };
    });
    const p1 = first.p ?? 1 - (second.p ?? 0.5);
    const p2 = second.p ?? 1 - p1;
    const alpha = first.color[3] * p1 + second.color[3] * p2; // premultiplied, as CSS mixes
    const channel = (i) => (alpha ? (first.color[i] * first.color[3] * p1 + second.color[i] * second.color[3] * p2) / alpha : 0);
    return [channel(0), channel(1), channel(2), alpha];
  }
  return parseColor(text);
}

function over(top, bottom) {
  const alpha = top[3] + bottom[3] * (1 - top[3]);
  const channel = (i) => (top[i] * top[3] + bottom[i] * bottom[3] * (1 - top[3])) / alpha;
  return [channel(0), channel(1), channel(2), alpha];
}

// A `background` value (layers, top first: colours or single-colour linear-gradients) over a page colour.
function background(value, theme, own, page) {
  const layers = splitTop(value).map((layer) => {
    const gradient = /^linear-gradient\((.*)\)$/s.exec(layer);
    return evaluate(gradient ? splitTop(gradient[1])[0] : layer, theme, own);
  });
  return layers.reverse().reduce((below, layer) => over(layer, below), page);
}

function luminance([r, g, b]) {
  const linear = (c) => {
    const v = c / 255;
    return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

function contrast(a, b) {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi + 0.05) / (lo + 0.05);
}

function rule(selector) {
  const escaped = selector.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const match = new RegExp(`(?:^|\\n)${escaped}\\s*\\{([^}]*)\\}`).exec(STYLE);
  if (!match) throw new Error(`no rule ${selector}`);
  return Object.fromEntries(
    match[1].split(";").filter((d) => d.includes(":")).map((d) => [d.slice(0, d.indexOf(":")).trim(), d.slice(d.indexOf(":") + 1).trim()]),
  );
}

describe("the table's colours in JupyterLab's themes", () => {
  const own = customProperties();
  const cases = {
    changed: rule(".live-nb-table-grid td.live-nb-table-changed"),
    "changed and ticked": rule(".live-nb-table-grid tr.live-nb-table-selected td.live-nb-table-changed"),
    ticked: rule(".live-nb-table-grid tr.live-nb-table-selected td"),
  };

  for (const [name, theme] of Object.entries(THEMES)) {
    for (const [what, declarations] of Object.entries(cases)) {
      it(`keeps ${what} cells readable in the ${name} theme`, () => {
        for (const page of ["--jp-layout-color0", "--jp-layout-color1"]) {
          const base = parseColor(theme[page]);
          const fill = background(declarations.background, theme, own, base);
          const text = over(evaluate(declarations.color ?? "var(--lnt-fg)", theme, own), fill);
          expect(contrast(text, fill), `${what} on ${page}`).toBeGreaterThanOrEqual(4.5);
        }
      });
    }
  }

  it("would catch the opaque light highlight under a dark theme's light text", () => {
    const theme = THEMES.dark;
    const fill = background("var(--jp-warn-color3, #fff3c4)", theme, own, parseColor(theme["--jp-layout-color1"]));
    const text = over(evaluate("var(--lnt-fg)", theme, own), fill);
    expect(contrast(text, fill)).toBeLessThan(1.5);
  });
});
