// @vitest-environment jsdom
// The dashboard model's small ES module: it asks the kernel for the bundle once per page and
// version, and every later model reuses it.
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { FakeModel } from "./support/model.js";
import loader, { loadBundle } from "../src/loader.js";

const bundlePath = path.resolve(process.cwd(), "../live_nb/static/widget.js"); // vitest runs in js/
const loaderPath = path.resolve(process.cwd(), "../live_nb/static/loader.js");

describe("loadBundle", () => {
  it("asks the kernel once per page and version, and shares the module", async () => {
    const scope = {};
    const imported = [];
    const importer = async (url) => {
      imported.push(url);
      return { default: { render: () => "drawn" } };
    };
    const first = new FakeModel({ bundle: "v1" });
    const second = new FakeModel({ bundle: "v1" });
    const loading = loadBundle(first, { importer, scope });
    const again = loadBundle(second, { importer, scope });
    expect(first.sent).toEqual([{ type: "bundle" }]);
    expect(second.sent).toEqual([]); // the page has asked already
    first.emit("msg:custom", { type: "update", seq: 0 }, []); // other messages are not the bundle
    first.emit("msg:custom", { type: "bundle", version: "v1" }, [new DataView(new ArrayBuffer(4))]);
    const [a, b] = await Promise.all([loading, again]);
    expect(a).toBe(b);
    expect(a.render()).toBe("drawn");
    expect(imported).toHaveLength(1);
    expect(imported[0]).toMatch(/^blob:/);
    // a newer live_nb in the same page: its bundle is asked for
    const newer = new FakeModel({ bundle: "v2" });
    loadBundle(newer, { importer, scope });
    expect(newer.sent).toEqual([{ type: "bundle" }]);
  });

  it("the bundle it gets renders the dashboard (the built files, as anywidget loads them)", async () => {
    if (!existsSync(bundlePath) || !existsSync(loaderPath)) return;
    expect(readFileSync(loaderPath).length).toBeLessThan(2048); // what each saved model carries
    mkdirSync("node_modules/.cache", { recursive: true });
    copyFileSync(loaderPath, "node_modules/.cache/live-nb-loader.test.mjs");
    const loaderCopy = "../node_modules/.cache/live-nb-loader.test.mjs";
    const built = (await import(/* @vite-ignore */ loaderCopy)).default;
    const model = new FakeModel({ view: "dashboard", uid: "loader-1", title: "%%live loaded", bundle: "built" });
    const el = document.createElement("div");
    document.body.appendChild(el);
    // jsdom cannot import blob: URLs: the page's bundle, as the first model left it loaded
    copyFileSync(bundlePath, "node_modules/.cache/live-nb-widget.loader.mjs");
    const bundleCopy = "../node_modules/.cache/live-nb-widget.loader.mjs";
    globalThis.__liveNbBundle_built = import(/* @vite-ignore */ bundleCopy).then((m) => m.default);
    await built.initialize({ model });
    const dispose = await built.render({ model, el });
    expect(el.querySelector(".live-nb-title").textContent).toBe("%%live loaded");
    expect(model.sent).toContainEqual({ type: "hello" }); // nothing received yet: a replay, please
    dispose?.();
    delete globalThis.__liveNbBundle_built;
    expect(typeof loader.render).toBe("function");
  });
});
