// A tiny inline chart of a metric's last values (the sidebar's "Now running" rows send them
// as `sparklines: {metric: [values]}`). An SVG polyline built with DOM calls: no markup parsed.
const SVG = "http://www.w3.org/2000/svg";
const WIDTH = 60;
const HEIGHT = 14;

/** The polyline's points for `values` in a WIDTH x HEIGHT box ("" when fewer than two). */
export function sparkPoints(values, width = WIDTH, height = HEIGHT) {
  const finite = (values ?? []).filter((value) => Number.isFinite(value));
  if (finite.length < 2) return "";
  const low = Math.min(...finite);
  const span = Math.max(...finite) - low || 1;
  const step = width / (finite.length - 1);
  return finite
    .map((value, i) => `${(i * step).toFixed(1)},${(height - 1 - ((value - low) / span) * (height - 2)).toFixed(1)}`)
    .join(" ");
}

/** An <svg> sparkline of `values` (null when there is nothing to draw). */
export function sparkline(values, title) {
  const points = sparkPoints(values);
  if (!points) return null;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "live-nb-runs-spark");
  svg.setAttribute("width", String(WIDTH));
  svg.setAttribute("height", String(HEIGHT));
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-label", title);
  const line = document.createElementNS(SVG, "polyline");
  line.setAttribute("points", points);
  line.setAttribute("fill", "none");
  line.setAttribute("stroke", "currentColor");
  line.setAttribute("stroke-width", "1.2");
  svg.append(line);
  return svg;
}
