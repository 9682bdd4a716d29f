// Checkpoint chains in the experiments table, as DVC 2's table showed them: a row per
// checkpoint (its step and metrics) under its experiment, newest first. The rows come
// with the others (kind "checkpoint", `parent`: the experiment's row id, see
// live_nb/widgets/table.py); they are collapsed until the experiment's toggle opens them.
// Sorting and filtering act on the experiments; an open chain follows its experiment.

// The table's top-level entries, and each experiment's checkpoints (id -> entries).
// A checkpoint whose experiment is not in the table is left out.
export function splitCheckpoints(entries) {
  const top = [];
  const chains = new Map();
  const ids = new Set(entries.filter((entry) => entry.kind !== "checkpoint").map((entry) => entry.id));
  for (const entry of entries) {
    if (entry.kind !== "checkpoint") {
      top.push(entry);
    } else if (entry.parent && ids.has(entry.parent)) {
      if (!chains.has(entry.parent)) chains.set(entry.parent, []);
      chains.get(entry.parent).push(entry);
    }
  }
  return { top, chains };
}

// `shown` (top-level entries, sorted and filtered) with the chains of the `open`
// experiments inserted right after them.
export function withChains(shown, chains, open) {
  const result = [];
  for (const entry of shown) {
    result.push(entry);
    if (!open.has(entry.id)) continue;
    const links = chains.get(entry.id) ?? [];
    // a pinned (starred) experiment's chain stays in the pinned block above the tree
    result.push(...(entry.pinned ? links.map((link) => ({ ...link, pinned: true })) : links));
  }
  return result;
}

// The tree drawn before a checkpoint's name: the experiment's branch goes on (│) unless it
// was the last of its group, then ╟ for each checkpoint and ╙ for the oldest shown.
export function checkpointGlyph(entries, position) {
  const entry = entries[position];
  let index = position - 1;
  while (index >= 0 && entries[index].kind === "checkpoint") index -= 1;
  const experiment = entries[index];
  let after = position + 1;
  while (after < entries.length && entries[after].kind === "checkpoint") after += 1;
  const next = entries[after];
  const lastExperiment =
    !next ||
    next.kind !== "experiment" ||
    !experiment ||
    experiment.pinned || // drawn without a branch of the tree
    next.baseline !== experiment.baseline;
  const following = entries[position + 1];
  const lastLink = !following || following.kind !== "checkpoint" || following.parent !== entry.parent;
  return (lastExperiment ? "    " : "│   ") + (lastLink ? "╙ " : "╟ ");
}

// The toggle's text and label for an experiment with `count` checkpoints.
export function toggleLabel(count, open, name) {
  return {
    text: `${open ? "▾" : "▸"} ${count}`,
    label: `${open ? "Hide" : "Show"} the ${count} checkpoint(s) of ${name}`,
  };
}
