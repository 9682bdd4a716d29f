// The panel's "Now running" section: every live run of the repository (live_nb/server/running.py
// documents the rows), drawn by the runs view of the widgets' bundle (js/src/runs, the one
// %exp_run shows) with RunsModel in place of a widget model. Elapsed times count on between two
// reads; a Stop click posts running/stop and shows the server's sentence under the list.

/** A server row as the runs view wants it (name, target, params, status, step, metrics...). */
export function viewRow(row, sinceRead = 0) {
  const running = row.status === "running" && typeof row.elapsed === "number";
  return {
    id: row.id,
    name: row.name || "(new experiment)",
    target: row.notebook ?? "",
    params: [row.notebook ? baseName(row.notebook) : "", row.params ?? ""].filter(Boolean).join("  "),
    status: row.status,
    step: row.step,
    metrics: row.metrics ?? {},
    sparklines: row.sparklines ?? {},
    elapsed: running ? row.elapsed + sinceRead : row.elapsed,
    experiment: row.experiment,
    error: row.error,
    restored_from: null,
  };
}

function baseName(path) {
  return String(path).split("/").pop();
}

export class RunsModel {
  /** @param {(id: string) => Promise<{ ok: boolean, status: number, data: any }>} stop */
  constructor(stop) {
    this.stop = stop;
    this.state = { view: "runs", rows: [], note: "" };
    this.handlers = new Map();
    this.serverRows = [];
    this.readAt = Date.now();
  }

  get(name) {
    return this.state[name];
  }

  set(name, value) {
    this.state[name] = value;
    for (const handler of [...(this.handlers.get(`change:${name}`) ?? [])]) handler(value);
  }

  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(handler);
  }

  off(event, handler) {
    this.handlers.get(event)?.delete(handler);
  }

  save_changes() {}

  /** New rows from the server. */
  setRows(rows) {
    this.serverRows = rows;
    this.readAt = Date.now();
    this.tick();
  }

  /** The rows again, with the elapsed times counted on. */
  tick() {
    const since = (Date.now() - this.readAt) / 1000;
    this.set("rows", this.serverRows.map((row) => viewRow(row, since)));
  }

  send(content) {
    if (content?.kind !== "kill") return;
    this.set("note", "Stopping…");
    this.stop(content.id).then(
      (answer) => this.set("note", String(answer.data?.message ?? `The server answered ${answer.status}.`)),
      (error) => this.set("note", `The request failed: ${error?.message ?? error}`),
    );
  }
}
