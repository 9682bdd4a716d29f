// The experiments table's data logic: entries, sorting, filtering, hidden
// columns, changed cells and what the action buttons act on. Pure functions of
// the `rows` and `columns` traits (see live_nb/widgets/table.py), no DOM.

import { checkpointGlyph } from "./checkpoints.js";
import { formatCreated, formatValue, identityOf, numberOf } from "./format.js";

function isCreated(column) {
  return column.kind === "meta" && column.name === "Created";
}

// One row as the view uses it: the row plus its cells as text (`text`: as the terminal
// table writes them, for filters and tooltips; `display`: as the grid shows them, "Created"
// in short), and its search text. `now`: what "today" is for the short dates.
export function prepareEntries(rows, columns, { now = new Date() } = {}) {
  const created = columns.map(isCreated);
  return rows.map((row, order) => {
    const values = Array.isArray(row.values) ? row.values : [];
    const text = columns.map((column, index) => formatValue(values[index], column));
    const display = text.map((cell, index) => (created[index] ? formatCreated(values[index], now) ?? cell : cell));
    return {
      id: String(row.id),
      kind: row.kind,
      baseline: row.baseline ?? null,
      commit: row.commit ?? null,
      parent: row.parent ?? null, // a checkpoint's experiment (its row id)
      state: row.state ?? null, // show()'s State: queued, running, failed, success, unfinished
      queue: row.queue ?? null, // "dvc" or "live-nb": a queue's run without an experiment ref
      values,
      text,
      display,
      search: [...text, ...display.filter((cell, index) => created[index] && cell !== text[index])]
        .join("\n")
        .toLowerCase(),
      order,
    };
  });
}

// ---------------------------------------------------------------------------
// The columns' order on screen (the DataFrame keeps DVC's): the experiment and
// when it was made, then what is compared, metrics and params, then the message.
// rev, typ and parent are details, shown at the end when asked for.

export const DETAIL_COLUMNS = ["rev", "typ", "parent", "State", "Executor"];

// Headers in words for the columns DVC names tersely (the data keeps DVC's names).
const HEADER_LABELS = { rev: "Commit", typ: "Kind", parent: "Parent commit" };

export function columnLabel(column) {
  return (column.kind === "meta" && HEADER_LABELS[column.name]) || column.name;
}

// The `Star` column (show()'s, "★" for a starred experiment) is drawn as each row's star
// button, not as a column of its own.
export const STAR_COLUMN = "Star";
export const NOTES_COLUMN = "Notes";
const STAR_WIDTH = 2; // ch an experiment's star button takes before its name

// The notes (a person's words about a run) come right after the name and date, where an
// 800-px window shows them; `compact` (a narrow sidebar) puts the first metric beside the name
// instead, the date and notes after the numbers.
export function displayOrder(columns, { details = false, compact = false } = {}) {
  const rank = (column) => {
    if (column.kind === "metric") return 3;
    if (column.kind === "param") return 4;
    if (column.kind === "dep") return 5;
    if (column.name === "Experiment") return 0;
    if (column.name === "Created") return compact ? 7 : 1;
    if (column.name === NOTES_COLUMN) return compact ? 6 : 2;
    if (DETAIL_COLUMNS.includes(column.name)) return 9;
    return 8; // Message, and any other column
  };
  return columns
    .map((column, index) => ({ index, rank: rank(column) }))
    .filter((item) => (details || item.rank !== 9) && columns[item.index].name !== STAR_COLUMN)
    .sort((a, b) => a.rank - b.rank || a.index - b.index)
    .map((item) => item.index);
}

export function columnIndex(columns, name) {
  return columns.findIndex((column) => column.name === name);
}

// ---------------------------------------------------------------------------
// Sorting: as `show(sort_by=...)`, experiments are sorted within their
// baseline's group; the workspace and baselines stay in place; missing values
// last in both orders; numbers before text before anything else.

export function sortKey(value) {
  if (typeof value === "boolean") return [0, value ? 1 : 0];
  const number = numberOf(value);
  if (number !== null) return [0, number];
  if (value === null || value === undefined || typeof value === "number") return null;
  if (typeof value === "string") return [1, value];
  return [2, JSON.stringify(value)];
}

export function compareKeys(a, b) {
  if (a[0] !== b[0]) return a[0] - b[0];
  if (a[1] < b[1]) return -1;
  if (a[1] > b[1]) return 1;
  return 0;
}

export function sortEntries(entries, column, order = "asc") {
  if (column < 0 || column === null || column === undefined) return entries.slice();
  const sign = order === "desc" ? -1 : 1;
  const result = [];
  let start = 0;
  while (start < entries.length) {
    const first = entries[start];
    if (first.kind !== "experiment") {
      result.push(first);
      start += 1;
      continue;
    }
    let end = start;
    while (
      end < entries.length &&
      entries[end].kind === "experiment" &&
      entries[end].baseline === first.baseline
    ) {
      end += 1;
    }
    const present = [];
    const missing = [];
    for (const entry of entries.slice(start, end)) {
      const key = sortKey(entry.values[column]);
      if (key === null) missing.push(entry);
      else present.push({ entry, key });
    }
    present.sort((a, b) => sign * compareKeys(a.key, b.key));
    for (const item of present) result.push(item.entry);
    result.push(...missing);
    start = end;
  }
  return result;
}

// Header clicks cycle: not sorted -> ascending -> descending -> not sorted.
export function nextSort(sort, name) {
  if (sort.column !== name) return { column: name, order: "asc" };
  if (sort.order === "asc") return { column: name, order: "desc" };
  return { column: "", order: "asc" };
}

// ---------------------------------------------------------------------------
// Filtering. The filter box holds words, "quoted phrases", -excluded words and
// conditions `column<op>value` (op: < <= > >= = == !=, spaces around it allowed).
// A row is kept when every word is found in one of its cells (any case), no
// excluded word is, and every condition holds. A condition's column is a column
// name (any case) or the end of one after ".", ":" or "/" when that names a
// single column (`loss` for `train.loss`). A condition naming no column, or
// several, is left out of the filter and explained in `problems`, as is whatever
// alone makes the result empty (`explainEmpty`).

const CONDITION = /^(.+?)(<=|>=|!=|==|=|<|>)(.+)$/;
const OPERATOR = /^(<=|>=|!=|==|=|<|>)/;
const ENDS_WITH_OPERATOR = /(<=|>=|!=|==|=|<|>)$/;

// Tokens with whether they were quoted; "lr < 0.1" and "lr <0.1" are one token.
function splitFilter(text) {
  const tokens = [];
  let current = "";
  let quoted = false;
  let wasQuoted = false;
  const push = () => {
    if (current) tokens.push({ text: current, quoted: wasQuoted });
    current = "";
    wasQuoted = false;
  };
  for (const char of String(text ?? "")) {
    if (char === '"') {
      quoted = !quoted;
      wasQuoted = true;
    } else if (!quoted && /\s/.test(char)) {
      push();
    } else {
      current += char;
    }
  }
  push();
  return joinOperators(tokens);
}

function joinOperators(tokens) {
  const joined = [];
  for (const token of tokens) {
    const last = joined[joined.length - 1];
    const glue =
      last && !last.quoted && !token.quoted &&
      (ENDS_WITH_OPERATOR.test(last.text) || (OPERATOR.test(token.text) && !CONDITION.test(last.text)));
    if (glue) last.text += token.text;
    else joined.push({ ...token });
  }
  return joined;
}

export function tokenize(text) {
  return splitFilter(text).map((token) => token.text);
}

// The columns `name` may mean: itself, itself in any case, or those it ends.
export function columnMatches(name, columns) {
  const exact = columnIndex(columns, name);
  if (exact >= 0) return [exact];
  const lower = name.toLowerCase();
  const indices = (test) => columns.flatMap((column, index) => (test(column.name.toLowerCase()) ? [index] : []));
  const anyCase = indices((candidate) => candidate === lower);
  if (anyCase.length) return anyCase;
  return indices((candidate) => [".", ":", "/"].some((sep) => candidate.endsWith(sep + lower)));
}

export function resolveColumn(name, columns) {
  const matches = columnMatches(name, columns);
  return matches.length === 1 ? matches[0] : -1;
}

export function parseNumber(text) {
  const trimmed = String(text).trim().toLowerCase();
  if (trimmed === "") return null;
  if (trimmed === "inf" || trimmed === "+inf" || trimmed === "infinity") return Infinity;
  if (trimmed === "-inf" || trimmed === "-infinity") return -Infinity;
  const number = Number(trimmed);
  return Number.isNaN(number) ? null : number;
}

export function parseFilter(text, columns) {
  const filter = { terms: [], excluded: [], conditions: [], problems: [] };
  for (const token of splitFilter(text)) {
    const match = token.quoted ? null : CONDITION.exec(token.text);
    if (match) {
      addCondition(filter, match, columns);
    } else if (!token.quoted && token.text.length > 1 && token.text.startsWith("-") && parseNumber(token.text) === null) {
      filter.excluded.push(token.text.slice(1).toLowerCase());
    } else {
      filter.terms.push(token.text.toLowerCase());
    }
  }
  return filter;
}

function addCondition(filter, match, columns) {
  const [source, name, op, value] = match;
  const matches = columnMatches(name.trim(), columns);
  if (matches.length === 1) {
    const text = value.trim();
    filter.conditions.push({ column: matches[0], op: op === "==" ? "=" : op, text, number: parseNumber(text), source });
  } else if (matches.length > 1) {
    const names = matches.map((index) => columns[index].name);
    filter.problems.push(`"${name}" is in ${names.length} columns (${names.join(", ")}): write one, e.g. ${names[0]}${op}${value}. Ignored.`);
  } else {
    const near = closestColumn(name, columns);
    filter.problems.push(`No column "${name}"${near ? `; did you mean ${near}?` : "."} Ignored.`);
  }
}

export function closestColumn(name, columns) {
  const lower = name.toLowerCase();
  let best = null;
  let bestDistance = Infinity;
  for (const column of columns) {
    const full = column.name.toLowerCase();
    const tail = full.split(/[.:/]/).pop();
    const distance = Math.min(editDistance(lower, full), editDistance(lower, tail));
    if (distance < bestDistance) {
      best = column.name;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(lower.length / 3)) ? best : null;
}

function editDistance(a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}

function holds(condition, entry) {
  const value = entry.values[condition.column];
  const number = numberOf(value);
  const { op } = condition;
  if (op === "=" || op === "!=") {
    const equal =
      (condition.number !== null && number !== null && number === condition.number) ||
      entry.text[condition.column].toLowerCase() === condition.text.toLowerCase();
    return op === "=" ? equal : !equal;
  }
  let a;
  let b;
  if (condition.number !== null && number !== null) {
    a = number;
    b = condition.number;
  } else if (typeof value === "string") {
    a = value; // text, e.g. Created>2024-06 compares ISO dates
    b = condition.text;
  } else {
    return false;
  }
  if (op === "<") return a < b;
  if (op === "<=") return a <= b;
  if (op === ">") return a > b;
  return a >= b;
}

const keeps = {
  term: (term) => (entry) => entry.search.includes(term),
  excluded: (term) => (entry) => !entry.search.includes(term),
  condition: (condition) => (entry) => holds(condition, entry),
};

function tests(filter) {
  return [
    ...filter.terms.map((term) => ({ what: `no row contains "${term}"`, keep: keeps.term(term) })),
    ...(filter.excluded ?? []).map((term) => ({ what: `every row contains "${term}"`, keep: keeps.excluded(term) })),
    ...filter.conditions.map((condition) => ({ condition, keep: keeps.condition(condition) })),
  ];
}

export function filterEntries(entries, filter) {
  const all = tests(filter);
  if (!all.length) return entries;
  return entries.filter((entry) => all.every((test) => test.keep(entry)));
}

// Why nothing is left: each part of the filter that alone keeps no row, in words.
export function explainEmpty(entries, filter, columns) {
  if (!entries.length) return [];
  const reasons = [];
  for (const test of tests(filter)) {
    if (entries.some(test.keep)) continue;
    reasons.push(test.condition ? noRowHolds(test.condition, entries, columns) : `${test.what[0].toUpperCase()}${test.what.slice(1)}.`);
  }
  return reasons.length ? reasons : ["No row meets all of these at once."];
}

function noRowHolds(condition, entries, columns) {
  const name = columns[condition.column].name;
  const numbers = entries.map((entry) => numberOf(entry.values[condition.column])).filter((n) => n !== null && Number.isFinite(n));
  if (!numbers.length) return `No row has ${condition.source.trim()}: ${name} has no number in any row.`;
  const low = Math.min(...numbers);
  const high = Math.max(...numbers);
  const range = low === high ? `is ${low} wherever set` : `goes from ${low} to ${high}`;
  return `No row has ${condition.source.trim()}: ${name} ${range}.`;
}

// The filter box's example, from this table's own columns (a name that resolves).
export function filterPlaceholder(columns) {
  const example = (kind, op, value) => {
    const column = columns.find((c) => c.kind === kind && ["number", "integer"].includes(c.type));
    if (!column) return null;
    const tail = column.name.split(/[.:/]/).pop();
    const name = resolveColumn(tail, columns) >= 0 ? tail : column.name;
    return `${name}${op}${value}`;
  };
  const examples = [example("metric", ">", "0.9"), example("param", "<=", "0.01")].filter(Boolean);
  const conditions = examples.length ? examples.join(" ") : "acc>0.9 lr<=0.01";
  return `Filter: words, "a phrase", -word, or conditions such as ${conditions}`;
}

// ---------------------------------------------------------------------------
// Columns whose value is the same in every shown row that has one (metrics and
// params only). Unlike `show(only_changed=True)`, which counts a missing value
// as a difference (as DVC does), empty cells are ignored: a baseline commit
// without metrics would otherwise keep every column. With fewer than two rows
// nothing is hidden.

export const UNCHANGED_HELP =
  "Hide the metric and param columns whose value is the same in every shown row. " +
  'Empty cells ("-") are ignored: a column with one value and gaps counts as unchanged.';

export function unchangedColumns(entries, columns) {
  const hidden = new Set();
  if (entries.length < 2) return hidden;
  const missing = identityOf(null);
  columns.forEach((column, index) => {
    if (column.kind === "meta") return;
    const values = new Set(entries.map((entry) => identityOf(entry.values[index])));
    values.delete(missing);
    if (values.size <= 1) hidden.add(index);
  });
  return hidden;
}

// Cells that differ from the same column of the row's baseline row (an
// experiment's baseline; HEAD for the workspace): id -> Set of column indexes.
export function changedCells(entries, columns) {
  const byId = new Map(entries.map((entry) => [entry.id, entry]));
  const changed = new Map();
  for (const entry of entries) {
    const base = entry.baseline ? byId.get(entry.baseline) : undefined;
    if (!base || base === entry) continue;
    const cells = new Set();
    columns.forEach((column, index) => {
      if (column.kind === "meta" || base.values[index] === null || base.values[index] === undefined) return;
      const missing = entry.values[index] === null || entry.values[index] === undefined;
      if (missing && entry.queue) return; // a queue's run without results yet: no change to mark
      if (identityOf(entry.values[index]) !== identityOf(base.values[index])) cells.add(index);
    });
    if (cells.size) changed.set(entry.id, cells);
  }
  return changed;
}

// Widths (in characters, the CSS `ch` of the table's normal weight) that fit
// every row's text as shown, so columns do not jump while rows scroll in and out
// of the window. `measure(text, bold)` gives a text's width in `ch` (the view
// measures with a canvas); without it, a character counts one `ch` and bold
// text BOLD_SLACK more. Bold: the headers (with room for the sort arrow), the
// baseline rows and the cells that differ from their baseline (`changed`).
export const BOLD_SLACK = 1.15;
export const TREE_GLYPH = "├── ";
const SORT_ARROW = " ▼";

export function estimateWidth(text, bold = false) {
  return bold ? text.length * BOLD_SLACK : text.length;
}

// Columns of long text are cut (the cell's tooltip holds it in full), so one long note or
// message, or a dependency's 32-digit md5, does not push the numbers out of an 800-px window.
export const WIDEST = { Notes: 20, Message: 28, dep: 10 };

function widest(column, max) {
  return Math.min(max, WIDEST[column.kind === "meta" ? column.name : column.kind] ?? max);
}

export function columnWidths(
  entries,
  columns,
  { min = 4, max = 40, changed = new Map(), measure = estimateWidth } = {},
) {
  const arrow = measure(SORT_ARROW, true);
  let glyph = measure(TREE_GLYPH, false);
  // a chain's toggle beside an experiment's name, the deeper tree before a checkpoint's
  if (entries.some((entry) => entry.kind === "checkpoint")) glyph += measure("▸ 999 ", false);
  return columns.map((column, index) => {
    let width = measure(column.name, true) + arrow;
    for (const entry of entries) {
      const text = entry.display ? entry.display[index] : entry.text[index];
      const bold = entry.kind === "baseline" || Boolean(changed.get(entry.id)?.has(index));
      const length = measure(text, bold);
      if (length > width) width = length;
    }
    if (column.name === "Experiment") width += glyph + STAR_WIDTH + badgeWidth(entries, measure);
    return Math.max(min, Math.min(widest(column, max) + (column.name === "Experiment" ? STAR_WIDTH : 0), Math.ceil(width)));
  });
}

// Room for the widest state badge after a name (its padding counted as one ch).
function badgeWidth(entries, measure) {
  let widest = 0;
  for (const entry of entries) {
    const badge = stateBadge(entry);
    if (badge) widest = Math.max(widest, measure(` ${badge.text}`, false) * 0.9 + 1);
  }
  return widest;
}

// The tree glyph DVC draws before an experiment: the last of its group gets └──
// (its open checkpoints, drawn under it, do not count).
export function treeGlyph(entries, position) {
  const entry = entries[position];
  if (entry && entry.kind === "checkpoint") return checkpointGlyph(entries, position);
  if (!entry || entry.kind !== "experiment" || entry.pinned) return "";
  let after = position + 1;
  while (after < entries.length && entries[after].kind === "checkpoint") after += 1;
  const next = entries[after];
  const last = !next || next.kind !== "experiment" || next.baseline !== entry.baseline;
  return last ? "└── " : TREE_GLYPH;
}

// What the buttons act on: the ticked experiment and checkpoint rows (never the workspace
// or a baseline).
export function selectedExperiments(selection, byId) {
  const found = [];
  for (const id of selection) {
    const entry = byId.get(id);
    if (entry && (entry.kind === "experiment" || entry.kind === "checkpoint")) found.push(entry);
  }
  return found;
}

// Whether every ticked row is a whole experiment: remove and push take no checkpoint.
export function wholeExperiments(experiments) {
  return experiments.length > 0 && experiments.every((entry) => entry.kind !== "checkpoint");
}

export function buttonStates(experiments, busy) {
  const one = experiments.length === 1;
  const free = (action) => !experiments.some((entry) => queuedReason(entry, action));
  return {
    apply: !busy && one && free("apply"),
    branch: !busy && one && free("branch"),
    remove: !busy && wholeExperiments(experiments) && free("remove"),
    refresh: !busy,
  };
}

// ---------------------------------------------------------------------------
// A row's State (show()'s column, hidden with the details) is a badge after its name; a
// queue's run that has saved no experiment (`queue`) takes only what it can: DVC applies its
// queued and failed tasks (`dvc exp apply`), nothing else acts on it. Python refuses the same
// (live_nb/widgets/table.py's refuse_queued).

const STATE_BADGES = { queued: "Queued", running: "Running", failed: "Failed", unfinished: "Unfinished" };
const QUEUES = { dvc: "DVC's queue", "live-nb": "live_nb's queue" };
const PAST = { apply: "applied", branch: "branched", remove: "removed", push: "pushed", star: "starred" };

// The badge {text, title} of a row's state (null for none, or a run that succeeded).
export function stateBadge(entry) {
  const text = STATE_BADGES[entry.state];
  if (!text) return null;
  const where = QUEUES[entry.queue] ? ` in ${QUEUES[entry.queue]}` : "";
  const titles = {
    queued: `Queued${where}: not run yet`,
    running: `Running${where}`,
    failed: `Failed${where}: its commit holds its inputs (Apply takes them, as dvc exp apply does)`,
    unfinished: "Its run stopped before saving: the last checkpoint is its latest state",
  };
  return { text, title: titles[entry.state] };
}

// Why `action` cannot act on `entry` (null when it can), in a sentence naming it.
export function queuedReason(entry, action, name = entry.id) {
  if (!entry.queue) return null;
  if (entry.queue === "dvc" && action === "apply" && ["queued", "failed"].includes(entry.state)) return null;
  if (entry.state === "running") {
    return `${name} is still running: it can be ${PAST[action] ?? action} once it has saved its experiment.`;
  }
  if (entry.queue === "live-nb") {
    return `${name} is queued in live_nb's queue and has not run: there is no experiment to ${action} yet.`;
  }
  const where = entry.state === "queued" ? "queued in DVC's queue" : "a failed run of DVC's queue";
  return `${name} is ${where}, not a saved experiment: only Apply takes it (as dvc exp apply does).`;
}

// ---------------------------------------------------------------------------
// Stars: a starred experiment is pinned above the tree, in the order the rows are
// shown (so sorting still orders the pinned rows), and marked `pinned`.

export function isStarred(entry, starColumn) {
  return starColumn >= 0 && entry.kind === "experiment" && Boolean(entry.values[starColumn]);
}

export function pinStarred(entries, starColumn) {
  if (starColumn < 0) return entries;
  const pinned = [];
  const rest = [];
  for (const entry of entries) {
    if (isStarred(entry, starColumn)) pinned.push({ ...entry, pinned: true });
    else rest.push(entry);
  }
  return pinned.length ? [...pinned, ...rest] : entries;
}
