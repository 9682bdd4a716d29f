// @jupyterlab/builder reads the versions JupyterLab shares from `<core path>/package.json`;
// @jupyterlab/core-meta ships that file as core.package.json. Copy it where the builder looks,
// so the build needs no JupyterLab (Python) installed, nor any network.
import { copyFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);
const meta = dirname(require.resolve("@jupyterlab/core-meta/core.package.json"));
mkdirSync(join("build", "core"), { recursive: true });
copyFileSync(join(meta, "core.package.json"), join("build", "core", "package.json"));
