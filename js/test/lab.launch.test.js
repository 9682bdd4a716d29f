// @vitest-environment jsdom
import { afterEach, describe, expect, it } from "vitest";

import { LaunchForm, duration, itemsOf, keyOf } from "../lab/src/launch.js";

const PARAMS = [
  { key: "lr", value: "0.1", where: "parameters cell" },
  { key: "seed", value: "1", where: "%%live --param" },
];

function fakeClient(answers) {
  const calls = [];
  return {
    calls,
    get: async (route, path) => {
      calls.push(["GET", route, { path }]);
      return answers[route];
    },
    act: async (path, action, body) => {
      calls.push(["POST", action, { ...body, path }]);
      return answers[action];
    },
  };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
let form = null;
afterEach(() => form?.dispose());

describe("the Run from here form", () => {
  it("sends only the values changed, then the free items", () => {
    expect(itemsOf(PARAMS, { lr: " 0.1,0.01 ", seed: "1" }, "+dropout=0.2\n\n ~old ")).toEqual([
      "lr=0.1,0.01",
      "+dropout=0.2",
      "~old",
    ]);
    expect(itemsOf(PARAMS, { lr: "0.1", seed: "1" }, "")).toEqual([]);
  });

  it("finds the key an item names, and writes elapsed times", () => {
    expect(keyOf("params.yaml:+train.lr=1")).toBe("train.lr");
    expect(keyOf("lr=[1,")).toBe("lr");
    expect(duration(65)).toBe("1:05"); // as "Now running" and the runs view write it
    expect(duration(6.4)).toBe("0:06");
    expect(duration(3725)).toBe("1:02:05");
    expect(duration(null)).toBe("");
  });

  it("shows the notebook's parameters, queues a grid, and marks a refused value", async () => {
    const client = fakeClient({
      "launch/params": { ok: true, status: 200, data: { params: PARAMS } },
      "launch/queue": {
        ok: true,
        status: 200,
        data: {
          worker: { pid: null },
          queued: 1,
          running: 0,
          runs: [{ name: "tidy-owl", notebook: "train.ipynb", params: "lr=0.5", status: "queued", elapsed: null }],
        },
      },
      launch: { ok: false, status: 400, data: { kind: "params", item: "lr=[1,", message: "-S 'lr=[1,': expected <b>" } },
    });
    form = new LaunchForm(client, () => true);
    form.follow("dir/train.ipynb");
    form.node.open = true;
    await form.refresh();
    expect(form.summary.textContent).toBe("Run from here: train.ipynb");
    const inputs = form.node.querySelectorAll(".live-nb-launch-params input");
    expect([...inputs].map((input) => input.value)).toEqual(["0.1", "1"]);
    expect(form.node.querySelector(".live-nb-launch-runs li").dataset.run).toBe("tidy-owl");
    expect(form.worker.textContent).toBe("No worker (1 queued, 0 running)");
    inputs[0].value = "[1,";
    await form.submit(false);
    expect(client.calls.at(-1)).toEqual(["POST", "launch", { params: ["lr=[1,"], now: false, jobs: 1, path: "dir/train.ipynb" }]);
    expect(form.status.textContent).toBe("-S 'lr=[1,': expected <b>");
    expect(form.status.dataset.state).toBe("error");
    expect(inputs[0].getAttribute("aria-invalid")).toBe("true");
    expect(inputs[1].hasAttribute("aria-invalid")).toBe(false);
  });

  it("hides the form for a folder and offers to stop a running worker", async () => {
    const client = fakeClient({
      "launch/queue": { ok: true, status: 200, data: { worker: { pid: 42 }, queued: 0, running: 1, runs: [] } },
      "launch/worker": { ok: true, status: 200, data: { message: "Stopping the worker (process 42)" } },
    });
    form = new LaunchForm(client, () => true);
    form.follow("dir");
    form.node.open = true;
    await form.refresh();
    await tick();
    expect(form.form.hidden).toBe(true);
    expect(form.workerButton.textContent).toBe("Stop worker");
    await form.toggleWorker();
    expect(client.calls.find((call) => call[1] === "launch/worker")).toEqual([
      "POST", "launch/worker", { action: "stop", jobs: 1, path: "dir" },
    ]);
    expect(form.status.textContent).toBe("Stopping the worker (process 42)");
  });
});

describe("a run of a notebook with unsaved changes", () => {
  it("says the runs use the notebook as last saved", async () => {
    const client = fakeClient({
      "launch/params": { ok: true, status: 200, data: { params: PARAMS } },
      "launch/queue": { ok: true, status: 200, data: { worker: { pid: null }, queued: 1, running: 0, runs: [] } },
      launch: { ok: true, status: 200, data: { message: "Queued 1 run(s): a-b." } },
    });
    form = new LaunchForm(client, () => true, (path) => path === "train.ipynb");
    form.follow("train.ipynb");
    await form.refresh();
    expect(form.hint.textContent).toContain("train.ipynb has unsaved changes: save it to run them.");
    await form.submit(false);
    expect(form.status.textContent).toBe(
      "Queued 1 run(s): a-b. The notebook has unsaved changes: the runs use it as last saved.",
    );
  });
});
