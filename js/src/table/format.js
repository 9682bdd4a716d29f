// How the experiments table writes a value: as `live_nb.experiments.show.format_table`
// does (five significant digits, "-" for a missing value), so the widget, the static
// HTML and the terminal agree. Pure functions, no DOM.

export const MISSING = "-";
export const PRECISION = 5;

// Python sends +-inf as {"float": "inf"} / {"float": "-inf"}: JSON has no infinity.
export function isNonFinite(value) {
  return (
    value !== null &&
    typeof value === "object" &&
    !Array.isArray(value) &&
    typeof value.float === "string"
  );
}

// The number a cell holds (numbers and +-inf), or null.
export function numberOf(value) {
  if (typeof value === "number") return Number.isNaN(value) ? null : value;
  if (isNonFinite(value)) {
    if (value.float === "inf") return Infinity;
    if (value.float === "-inf") return -Infinity;
  }
  return null;
}

function stripZeros(text) {
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}

// Python's f"{value:.{precision}g}".
export function formatG(value, precision = PRECISION) {
  if (Number.isNaN(value)) return "nan";
  if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
  if (value === 0) return Object.is(value, -0) ? "-0" : "0";
  const [mantissa, exponentText] = value.toExponential(precision - 1).split("e");
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= precision) {
    const size = Math.abs(exponent);
    return `${stripZeros(mantissa)}e${exponent < 0 ? "-" : "+"}${size < 10 ? "0" : ""}${size}`;
  }
  return stripZeros(value.toFixed(Math.max(0, precision - 1 - exponent)));
}

// One cell as text. `column` is {name, kind, type} from the `columns` trait.
export function formatValue(value, column) {
  if (value === null || value === undefined) return MISSING;
  if (typeof value === "number") {
    if (Number.isNaN(value)) return MISSING;
    const type = column ? column.type : "number";
    if (Number.isInteger(value) && type !== "number") return String(value);
    return formatG(value);
  }
  if (typeof value === "boolean") return value ? "True" : "False";
  if (typeof value === "string") return value;
  if (isNonFinite(value)) return value.float;
  return JSON.stringify(value);
}

// A comparable form of a cell for "did it change": 1 and 1.0 alike, missing distinct.
export function identityOf(value) {
  if (value === null || value === undefined) return "\u0000missing";
  if (typeof value === "number") return Number.isNaN(value) ? "\u0000missing" : `n${value}`;
  if (isNonFinite(value)) return `n${value.float}`;
  if (typeof value === "string") return `s${value}`;
  return `j${JSON.stringify(value)}`;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (number) => String(number).padStart(2, "0");

// "Created" in short, in local time: "HH:MM" today, "Mon DD" this year, "Mon DD YYYY"
// before; null when the value is not a date (the cell then shows its text).
export function formatCreated(value, now = new Date()) {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}/.test(value)) return null;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return null;
  const day = `${MONTHS[date.getMonth()]} ${pad(date.getDate())}`;
  if (date.getFullYear() !== now.getFullYear()) return `${day} ${date.getFullYear()}`;
  if (date.getMonth() === now.getMonth() && date.getDate() === now.getDate()) {
    return `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  }
  return day;
}
