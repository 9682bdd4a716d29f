// Number, duration and value formatting shared by live_nb's views.

/** A metric or parameter value as short text: numbers to 6 significant digits. */
export function formatValue(value, maxLength = 80) {
  if (typeof value === "number") {
    if (Number.isInteger(value)) return String(value);
    if (!Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(6)));
  }
  let text = typeof value === "string" ? value : JSON.stringify(value) ?? String(value);
  if (text.length > maxLength) text = `${text.slice(0, maxLength - 3)}...`;
  return text;
}

/** Seconds as m:ss, or h:mm:ss past an hour. */
export function formatElapsed(seconds) {
  const total = Math.max(0, Math.floor(Number(seconds) || 0));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

/**
 * The steps done, as every live_nb view writes them: "30 steps" once steps 0 to 29 are done
 * (the state's `step` is the logger's next step, i.e. the steps done); "" before the first.
 */
export function formatSteps(steps) {
  const count = Math.floor(Number(steps) || 0);
  if (count <= 0) return "";
  return count === 1 ? "1 step" : `${count} steps`;
}
