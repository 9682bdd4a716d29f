import { describe, expect, it } from "vitest";
import { formatCreated, formatG, formatValue, identityOf, numberOf } from "../src/table/format.js";
import {
  BOLD_SLACK,
  buttonStates,
  changedCells,
  columnWidths,
  closestColumn,
  displayOrder,
  explainEmpty,
  filterEntries,
  filterPlaceholder,
  nextSort,
  parseFilter,
  prepareEntries,
  resolveColumn,
  selectedExperiments,
  sortEntries,
  tokenize,
  treeGlyph,
  UNCHANGED_HELP,
  unchangedColumns,
} from "../src/table/logic.js";

const META = ["Experiment", "rev", "typ", "Created", "Message", "parent"].map((name) => ({
  name,
  kind: "meta",
  type: "text",
}));
const COLUMNS = [
  ...META,
  { name: "train.loss", kind: "metric", type: "number" },
  { name: "acc", kind: "metric", type: "number" },
  { name: "step", kind: "metric", type: "integer" },
  { name: "lr", kind: "param", type: "number" },
  { name: "model.name", kind: "param", type: "text" },
];
const B = "b".repeat(40);
const C = "c".repeat(40);

function row(id, kind, baseline, [name, rev, typ, message], metrics) {
  return {
    id,
    kind,
    baseline,
    commit: kind === "workspace" ? null : `${rev}${"0".repeat(33)}`,
    values: [name, rev, typ, kind === "workspace" ? null : "2024-01-02T03:04:05+00:00", message, baseline ? "bbbbbbb" : null, ...metrics],
  };
}

// workspace, a baseline, four experiments (the newest first), as show() orders them.
const ROWS = [
  row("workspace", "workspace", B, ["workspace", "workspace", "workspace", null], [0.3, 0.8, 9, 0.1, "cnn"]),
  row(B, "baseline", null, ["main", "bbbbbbb", "baseline", "initial"], [0.5, 0.7, 9, 0.1, "cnn"]),
  row("refs/exps/x/tiny", "experiment", B, ["tiny", "1111111", "branch_commit", "m"], [0.95, 0.45, 9, 0.01, "cnn"]),
  row("refs/exps/x/deep", "experiment", B, ["deep", "2222222", "branch_commit", "deeper"], [0.3, 0.85, 9, 0.1, "cnn"]),
  row("refs/exps/x/nan", "experiment", B, ["nan", "3333333", "branch_commit", "m"], [null, null, 9, 0.1, "cnn"]),
  row("refs/exps/x/fast", "experiment", B, ["fast-lr", "4444444", "branch_base", "m"], [0.4, 0.8, 9, 0.3, "cnn"]),
];

const names = (entries) => entries.map((entry) => entry.text[0]);

describe("formatting", () => {
  it("writes floats as Python's .5g", () => {
    expect(formatG(0.3125)).toBe("0.3125");
    expect(formatG(1 / 3)).toBe("0.33333");
    expect(formatG(123456)).toBe("1.2346e+05");
    expect(formatG(0.00001234)).toBe("1.234e-05");
    expect(formatG(0.0001234)).toBe("0.0001234");
    expect(formatG(99999.5)).toBe("1e+05");
    expect(formatG(2)).toBe("2");
    expect(formatG(-0.5)).toBe("-0.5");
  });

  it("writes missing values, integers, booleans, infinities and lists as the terminal table", () => {
    expect(formatValue(null, COLUMNS[6])).toBe("-");
    expect(formatValue(9, { type: "integer" })).toBe("9");
    expect(formatValue(123456, { type: "integer" })).toBe("123456");
    expect(formatValue(123456, { type: "number" })).toBe("1.2346e+05");
    expect(formatValue(true, { type: "text" })).toBe("True");
    expect(formatValue({ float: "-inf" }, { type: "number" })).toBe("-inf");
    expect(formatValue([1, "a"], { type: "text" })).toBe('[1,"a"]');
    expect(numberOf({ float: "inf" })).toBe(Infinity);
    expect(identityOf(1)).toBe(identityOf(1.0));
    expect(identityOf(null)).not.toBe(identityOf("-"));
  });
});

describe("sorting", () => {
  const entries = prepareEntries(ROWS, COLUMNS);

  it("sorts experiments within their baseline; workspace and baseline stay; missing last", () => {
    expect(names(sortEntries(entries, 6, "asc"))).toEqual([
      "workspace", "main", "deep", "fast-lr", "tiny", "nan",
    ]);
    expect(names(sortEntries(entries, 6, "desc"))).toEqual([
      "workspace", "main", "tiny", "fast-lr", "deep", "nan",
    ]);
  });

  it("keeps the original order of equal values in both orders, as Python's stable sort", () => {
    expect(names(sortEntries(entries, 9, "asc"))).toEqual([
      "workspace", "main", "tiny", "deep", "nan", "fast-lr",
    ]);
    expect(names(sortEntries(entries, 9, "desc"))).toEqual([
      "workspace", "main", "fast-lr", "deep", "nan", "tiny",
    ]);
  });

  it("sorts text columns and leaves the order alone without a column", () => {
    expect(names(sortEntries(entries, 0, "asc")).slice(2)).toEqual(["deep", "fast-lr", "nan", "tiny"]);
    expect(names(sortEntries(entries, -1))).toEqual(names(entries));
  });

  it("sorts each baseline's group separately", () => {
    const other = [
      ...ROWS,
      row(C, "baseline", null, ["old", "ccccccc", "baseline", "older"], [0.6, 0.6, 9, 0.1, "cnn"]),
      row("refs/exps/y/a", "experiment", C, ["a", "5555555", "branch_commit", "m"], [0.1, 0.6, 9, 0.1, "cnn"]),
      row("refs/exps/y/b", "experiment", C, ["b", "6666666", "branch_base", "m"], [0.05, 0.6, 9, 0.1, "cnn"]),
    ];
    const sorted = names(sortEntries(prepareEntries(other, COLUMNS), 6, "asc"));
    expect(sorted).toEqual(["workspace", "main", "deep", "fast-lr", "tiny", "nan", "old", "b", "a"]);
  });

  it("cycles a header through ascending, descending and unsorted", () => {
    let sort = { column: "", order: "asc" };
    sort = nextSort(sort, "acc");
    expect(sort).toEqual({ column: "acc", order: "asc" });
    sort = nextSort(sort, "acc");
    expect(sort).toEqual({ column: "acc", order: "desc" });
    expect(nextSort(sort, "acc")).toEqual({ column: "", order: "asc" });
    expect(nextSort(sort, "lr")).toEqual({ column: "lr", order: "asc" });
  });

  it("draws the tree: the last experiment of a group gets └──", () => {
    const sorted = sortEntries(entries, 6, "asc");
    expect(sorted.map((_, i) => treeGlyph(sorted, i))).toEqual(["", "", "├── ", "├── ", "├── ", "└── "]);
  });
});

describe("filtering", () => {
  const entries = prepareEntries(ROWS, COLUMNS);
  const run = (text) => names(filterEntries(entries, parseFilter(text, COLUMNS)));

  it("matches words in any cell, in any case, all of them", () => {
    expect(run("DEEP")).toEqual(["deep"]);
    expect(run("deeper")).toEqual(["deep"]);
    expect(run("4444")).toEqual(["fast-lr"]);
    expect(run("branch fast")).toEqual(["fast-lr"]);
    expect(run("")).toEqual(names(entries));
    expect(run("nothing-like-this")).toEqual([]);
  });

  it("applies numeric conditions to a column, by name or by its last part", () => {
    expect(run("acc>0.8")).toEqual(["deep"]);
    expect(run("acc>=0.8")).toEqual(["workspace", "deep", "fast-lr"]);
    expect(run("loss<0.4")).toEqual(["workspace", "deep"]);
    expect(run("train.loss<=0.4 lr=0.3")).toEqual(["fast-lr"]);
    expect(run("LR!=0.1")).toEqual(["tiny", "fast-lr"]);
    expect(run("acc<1")).not.toContain("nan"); // a missing value fails a condition
    expect(run("Created>2023")).toHaveLength(5); // text compares as text: ISO dates
  });

  it("leaves out a condition naming no column, and says so with the closest name", () => {
    const parsed = parseFilter('nothing>3 "two words" acc>0.5 acx>0.5', COLUMNS);
    expect(parsed.terms).toEqual(["two words"]);
    expect(parsed.conditions).toEqual([{ column: 7, op: ">", text: "0.5", number: 0.5, source: "acc>0.5" }]);
    expect(parsed.problems).toEqual([
      'No column "nothing". Ignored.',
      'No column "acx"; did you mean acc? Ignored.',
    ]);
    expect(tokenize('a "b c"  d')).toEqual(["a", "b c", "d"]);
    expect(resolveColumn("name", COLUMNS)).toBe(10);
    expect(resolveColumn("zzz", COLUMNS)).toBe(-1);
    expect(closestColumn("los", COLUMNS)).toBe("train.loss");
  });

  it("accepts spaces around the operator, but not inside quotes", () => {
    expect(run("lr < 0.1")).toEqual(["tiny"]);
    expect(run("lr <0.1")).toEqual(["tiny"]);
    expect(run("lr< 0.1 acc >= 0.45")).toEqual(["tiny"]);
    expect(tokenize('lr = 0.1 "a = b"')).toEqual(["lr=0.1", "a = b"]);
  });

  it("names the columns an ambiguous condition could mean", () => {
    const columns = [...COLUMNS, { name: "eval.acc", kind: "metric", type: "number" }];
    const entries = prepareEntries(ROWS, columns);
    expect(resolveColumn("ACC", columns)).toBe(7); // an exact name (any case) wins over an ending
    const parsed = parseFilter("loss>0.1", [...columns, { name: "eval.loss", kind: "metric", type: "number" }]);
    expect(parsed.conditions).toEqual([]);
    expect(parsed.problems[0]).toContain('"loss" is in 2 columns (train.loss, eval.loss)');
    expect(filterEntries(entries, parsed)).toHaveLength(entries.length); // ignored, not 0 rows
  });

  it("excludes -words, and keeps negative numbers as words", () => {
    expect(run("-deeper")).toEqual(["workspace", "main", "tiny", "nan", "fast-lr"]);
    expect(run("-cnn")).toEqual([]);
    expect(parseFilter("-0.5", COLUMNS).terms).toEqual(["-0.5"]);
  });

  it("says why nothing is left", () => {
    const entries = prepareEntries(ROWS, COLUMNS);
    const why = (text) => explainEmpty(entries, parseFilter(text, COLUMNS), COLUMNS);
    expect(why("lr<0.001")).toEqual(["No row has lr<0.001: lr goes from 0.01 to 0.3."]);
    expect(why("zebra")).toEqual(['No row contains "zebra".']);
    expect(why("-cnn")).toEqual(['Every row contains "cnn".']);
    expect(why("tiny lr>0.2")).toEqual(["No row meets all of these at once."]);
  });

  it("takes its placeholder from the table's own columns", () => {
    expect(filterPlaceholder(COLUMNS)).toBe('Filter: words, "a phrase", -word, or conditions such as loss>0.9 lr<=0.01');
    const twoLosses = [...COLUMNS.slice(0, 6), COLUMNS[6], { name: "eval.loss", kind: "metric", type: "number" }];
    expect(filterPlaceholder(twoLosses)).toContain("train.loss>0.9");
    expect(filterPlaceholder([])).toContain("acc>0.9 lr<=0.01");
  });
});

describe("unchanged columns and changed cells", () => {
  const entries = prepareEntries(ROWS, COLUMNS);

  it("finds the metric and param columns equal in every shown row", () => {
    const hidden = unchangedColumns(entries, COLUMNS);
    expect([...hidden].map((i) => COLUMNS[i].name)).toEqual(["step", "model.name"]);
    const two = filterEntries(entries, parseFilter("lr=0.1", COLUMNS));
    expect([...unchangedColumns(two, COLUMNS)].map((i) => COLUMNS[i].name)).toEqual([
      "step", "lr", "model.name",
    ]);
    expect(unchangedColumns(entries.slice(0, 1), COLUMNS).size).toBe(0);
  });

  it("marks the cells that differ from the row's baseline, a missing value included", () => {
    const changed = changedCells(entries, COLUMNS);
    const columns = (id) => [...(changed.get(id) ?? [])].map((i) => COLUMNS[i].name);
    expect(columns("workspace")).toEqual(["train.loss", "acc"]);
    expect(columns("refs/exps/x/deep")).toEqual(["train.loss", "acc"]);
    expect(columns("refs/exps/x/tiny")).toEqual(["train.loss", "acc", "lr"]);
    expect(columns("refs/exps/x/nan")).toEqual(["train.loss", "acc"]);
    expect(changed.has(B)).toBe(false); // a baseline has nothing to compare with
    const bare = prepareEntries(
      [row(B, "baseline", null, ["main", "bbbbbbb", "baseline", "initial"], [null, null, null, 0.1, "cnn"]), ROWS[2]],
      COLUMNS,
    );
    const lit = changedCells(bare, COLUMNS).get("refs/exps/x/tiny");
    expect([...lit].map((i) => COLUMNS[i].name)).toEqual(["lr"]); // not every metric of a bare baseline
  });

  it("ignores empty cells: a baseline without metrics does not keep every column", () => {
    const columns = [
      { name: "loss", kind: "metric", type: "number" },
      { name: "epochs", kind: "metric", type: "integer" },
      { name: "never", kind: "param", type: "number" },
      { name: "Message", kind: "meta", type: "text" },
    ];
    const rows = [
      { id: "workspace", kind: "workspace", baseline: B, values: [0.3, 30, null, null] },
      { id: B, kind: "baseline", baseline: null, values: [null, null, null, "initial"] },
      { id: "refs/exps/x/a", kind: "experiment", baseline: B, values: [0.3, 30, null, "a"] },
      { id: "refs/exps/x/b", kind: "experiment", baseline: B, values: [0.5, 30, null, "b"] },
    ];
    const hidden = unchangedColumns(prepareEntries(rows, columns), columns);
    expect([...hidden].map((i) => columns[i].name)).toEqual(["epochs", "never"]);
    expect(UNCHANGED_HELP).toMatch(/empty cells/i);
  });

  it("sizes columns to their longest text", () => {
    const widths = columnWidths(entries, COLUMNS);
    // the bold header and a sort arrow, the tree, an experiment's star button
    expect(widths[0]).toBe(Math.ceil(("Experiment".length + 2) * BOLD_SLACK) + 4 + 2);
    expect(widths[7]).toBe(Math.ceil(("acc".length + 2) * BOLD_SLACK));
  });

  it("gives bold text room to spare: baseline rows and changed cells", () => {
    const columns = [
      { name: "Branch", kind: "meta", type: "text" },
      { name: "acc", kind: "metric", type: "number" },
    ];
    const message = "Add the quickstart notebook";
    const rows = [
      { id: B, kind: "baseline", baseline: null, values: [message, 0.5] },
      { id: "refs/exps/x/a", kind: "experiment", baseline: B, values: ["short", 0.123456] },
    ];
    const entries = prepareEntries(rows, columns);
    const widths = columnWidths(entries, columns, { changed: changedCells(entries, columns) });
    expect(widths[0]).toBe(Math.ceil(message.length * BOLD_SLACK)); // the baseline row is bold
    expect(widths[1]).toBe(Math.ceil("0.12346".length * BOLD_SLACK)); // a changed cell is bold
    const plain = prepareEntries([{ ...rows[1], values: [message, 0.5] }], columns);
    expect(columnWidths(plain, columns)[0]).toBe(message.length); // normal weight: as long as it is
  });

  it("sizes columns with the view's text measure when there is one", () => {
    const columns = [{ name: "Branch", kind: "meta", type: "text" }];
    const rows = [
      { id: B, kind: "baseline", baseline: null, values: ["wide"] },
      { id: "refs/exps/x/a", kind: "experiment", baseline: B, values: ["narrow text"] },
    ];
    const calls = [];
    const measure = (text, bold) => {
      calls.push([text, bold]);
      return bold ? 10 * text.length : 0.5 * text.length; // bold is very wide here
    };
    const widths = columnWidths(prepareEntries(rows, columns), columns, { measure, max: 100 });
    expect(widths[0]).toBe(80); // the bold header (60) and its sort arrow (" ▼": 20)
    expect(calls).toContainEqual(["wide", true]);
    expect(calls).toContainEqual(["narrow text", false]);
  });
});

describe("column order and dates", () => {
  const order = (details) => displayOrder(COLUMNS, { details }).map((i) => COLUMNS[i].name);

  it("shows the experiment, when, its metrics and params, then the message; details last, on demand", () => {
    expect(order(false)).toEqual(["Experiment", "Created", "train.loss", "acc", "step", "lr", "model.name", "Message"]);
    expect(order(true)).toEqual([
      "Experiment", "Created", "train.loss", "acc", "step", "lr", "model.name", "Message", "rev", "typ", "parent",
    ]);
  });

  it("writes Created in short: the time today, the day this year, the year before", () => {
    const now = new Date(2026, 10, 22, 19, 30);
    const iso = (...parts) => new Date(...parts).toISOString();
    expect(formatCreated(iso(2026, 10, 22, 9, 5), now)).toBe("09:05");
    expect(formatCreated(iso(2026, 10, 21, 23, 59), now)).toBe("Nov 21");
    expect(formatCreated(iso(2026, 0, 3, 8, 0), now)).toBe("Jan 03");
    expect(formatCreated(iso(2025, 11, 31, 8, 0), now)).toBe("Dec 31 2025");
    expect(formatCreated(null, now)).toBeNull();
    expect(formatCreated("workspace", now)).toBeNull();
    expect(formatCreated("2026-99-99T00:00:00", now)).toBeNull();
  });

  it("shows Created in short, keeps it in full for filters, search and tooltips", () => {
    const now = new Date("2024-01-02T03:04:05+00:00"); // the baseline's own time: "today"
    const [workspace, baseline] = prepareEntries(ROWS, COLUMNS, { now });
    const created = 3;
    const pad = (number) => String(number).padStart(2, "0");
    expect(baseline.text[created]).toBe("2024-01-02T03:04:05+00:00");
    expect(baseline.display[created]).toBe(`${pad(now.getHours())}:${pad(now.getMinutes())}`);
    expect(baseline.search).toContain("2024-01-02t03:04:05");
    expect(workspace.display[created]).toBe("-");
    expect(baseline.display[0]).toBe("main");
  });
});

describe("buttons", () => {
  const entries = prepareEntries(ROWS, COLUMNS);
  const byId = new Map(entries.map((entry) => [entry.id, entry]));

  it("act on ticked experiments only: one for apply and branch, any for remove", () => {
    const chosen = selectedExperiments(["workspace", B, "refs/exps/x/deep"], byId);
    expect(chosen.map((entry) => entry.id)).toEqual(["refs/exps/x/deep"]);
    expect(buttonStates(chosen, false)).toEqual({ apply: true, branch: true, remove: true, refresh: true });
    const two = selectedExperiments(["refs/exps/x/deep", "refs/exps/x/tiny"], byId);
    expect(buttonStates(two, false)).toEqual({ apply: false, branch: false, remove: true, refresh: true });
    expect(buttonStates([], false)).toEqual({ apply: false, branch: false, remove: false, refresh: true });
    expect(buttonStates(chosen, true)).toEqual({ apply: false, branch: false, remove: false, refresh: false });
  });
});
