// Metric names are paths: "train/loss" belongs to the group "train" and is
// labelled "loss"; "loss" belongs to the unnamed root group.

/** { group, label } of a metric name: the group is everything before the last "/". */
export function splitName(name) {
  const text = String(name);
  const cut = text.lastIndexOf("/");
  return cut < 0 ? { group: "", label: text } : { group: text.slice(0, cut), label: text.slice(cut + 1) };
}

/**
 * Names grouped by prefix, in first-seen order of the groups and of the names
 * within each group: [{ group, names: [...] }, ...]. The root group comes first.
 */
export function groupNames(names) {
  const groups = new Map();
  for (const name of names) {
    const { group } = splitName(name);
    if (!groups.has(group)) groups.set(group, []);
    groups.get(group).push(name);
  }
  const ordered = [...groups.entries()].map(([group, members]) => ({ group, names: members }));
  ordered.sort((a, b) => (a.group === "" ? -1 : b.group === "" ? 1 : 0));
  return ordered;
}
