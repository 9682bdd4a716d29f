// The live_nb dashboard view. The Python side (live_nb.dashboard) syncs a
// `summary` trait: {step, status, metrics: {name: value}, params: {name: value}}.
// Everything user-supplied is inserted with textContent, never as HTML.

function row(cells, tag) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement(tag);
    td.textContent = cell;
    tr.appendChild(td);
  }
  return tr;
}

function table(title, entries) {
  const t = document.createElement("table");
  t.className = "live-nb-table";
  t.appendChild(row([title, "value"], "th"));
  for (const [name, value] of entries) t.appendChild(row([name, String(value)], "td"));
  return t;
}

function draw(el, summary) {
  const header = document.createElement("div");
  header.className = "live-nb-header";
  header.textContent = `step ${summary.step ?? 0} · ${summary.status ?? "running"}`;
  el.replaceChildren(
    header,
    table("metric", Object.entries(summary.metrics ?? {})),
    table("param", Object.entries(summary.params ?? {})),
  );
}

export default {
  render({ model, el }) {
    const update = () => draw(el, model.get("summary") ?? {});
    model.on("change:summary", update);
    update();
    return () => model.off("change:summary", update);
  },
};
