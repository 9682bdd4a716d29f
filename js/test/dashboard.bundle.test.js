// @vitest-environment node
// The built bundle (npm run build) loads nothing from the network.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

const bundlePath = path.resolve(process.cwd(), "../live_nb/static/widget.js"); // vitest runs in js/
const built = existsSync(bundlePath);

describe.skipIf(!built)("the built bundle", () => {
  const bundle = built ? readFileSync(bundlePath, "utf-8") : "";

  it("imports nothing from a CDN or any URL", () => {
    expect(bundle).not.toMatch(/https?:\/\/cdn/i);
    expect(bundle).not.toMatch(/\bimport\s*\(\s*["'`]https?:/);
    expect(bundle).not.toMatch(/\bfrom\s*["'`]https?:/);
    expect(bundle).not.toMatch(/<script[^>]+src=/i);
  });

  it("carries the dashboard and Vega", () => {
    expect(bundle).toContain("live-nb-dashboard");
    expect(bundle).toContain("vega-lite");
  });
});
