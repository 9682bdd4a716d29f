// live_nb's JupyterLab 4 / Notebook 7 extension: the Experiments panel in the left sidebar
// (panel.js). It follows the folder of the active document, or of the file browser when the
// user browses to another folder; apply leaves every open document's file as it is.

import { ILayoutRestorer, ILabShell } from "@jupyterlab/application";
import { PageConfig } from "@jupyterlab/coreutils";
import { IDefaultFileBrowser } from "@jupyterlab/filebrowser";
import { INotebookTracker, NotebookActions } from "@jupyterlab/notebook";
import { IRenderMimeRegistry } from "@jupyterlab/rendermime";
import { ServerConnection } from "@jupyterlab/services";
import { LabIcon } from "@jupyterlab/ui-components";

import { BUNDLE } from "./client.js";
import { finalChartsFactory } from "./final.js";
import { ExperimentsPanel } from "./panel.js";
import { runOpener } from "./runview.js";
import { savedOutputFactory } from "./saved.js";
import { watchLiveCells } from "./unsaved.js";

// A flask: the panel's icon in the sidebar's tab bar.
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" viewBox="0 0 24 24">
<path class="jp-icon3" fill="#616161" d="M9 2h6v2h-1v5.2l5.6 9.7A2 2 0 0 1 17.9 22H6.1a2 2 0 0 1-1.7-3.1L10 9.2V4H9V2zm3 9.3L8.2 18h7.6L12 11.3z"/>
</svg>`;

export const experimentsIcon = new LabIcon({ name: "live_nb:experiments", svgstr: ICON });

function documentPath(widget) {
  const path = widget?.context?.path;
  return typeof path === "string" && !path.includes(":") ? path : null;
}

/** Every open document's path (relative to the server's root). */
function openFiles(app) {
  const paths = [];
  for (const widget of app.shell.widgets("main")) {
    const path = documentPath(widget);
    if (path !== null) paths.push(path);
  }
  return [...new Set(paths)];
}

/** Whether the open document at `path` has unsaved changes (runs read the file as saved). */
function isDirty(app, path) {
  for (const widget of app.shell.widgets("main")) {
    if (documentPath(widget) === path && widget.context?.model?.dirty) return true;
  }
  return false;
}

const plugin = {
  id: "live_nb:experiments",
  description: "The Experiments panel: every experiment of the project, without a kernel.",
  autoStart: true,
  optional: [IDefaultFileBrowser, ILayoutRestorer, ILabShell],
  activate(app, browser, restorer) {
    const settings = ServerConnection.makeSettings();
    const panel = new ExperimentsPanel({
      baseUrl: PageConfig.getBaseUrl(),
      request: (url, init) => ServerConnection.makeRequest(url, init, settings),
      openFiles: () => openFiles(app),
      isDirty: (path) => isDirty(app, path),
      openRun: runOpener(app),
    });
    panel.title.icon = experimentsIcon;
    app.shell.add(panel, "left", { rank: 600 });
    restorer?.add(panel, panel.id);

    const followCurrent = () => {
      const path = documentPath(app.shell.currentWidget);
      if (path !== null) panel.follow(path);
      else if (browser && panel.path === null) panel.follow(browser.model.path);
    };
    app.shell.currentChanged?.connect(followCurrent);
    browser?.model.pathChanged.connect((_model, change) => panel.follow(change.newValue ?? ""));
    void app.restored.then(followCurrent).then(() => {
      if (panel.path === null) panel.follow(browser?.model.path ?? "");
    });
  },
};

// Reopened after a restart, a live_nb widget output shows its saved copy (saved.js).
const savedOutputs = {
  id: "live_nb:saved-outputs",
  description: "live_nb's widget outputs show their saved copy when the kernel has no widget.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate(_app, rendermime) {
    rendermime.addFactory(savedOutputFactory(rendermime));
  },
};

// A %%live cell's final output as wide as the notebook gives it (final.js).
const finalCharts = {
  id: "live_nb:final-charts",
  description: "A %%live cell's final charts fit the notebook's width.",
  autoStart: true,
  requires: [IRenderMimeRegistry],
  activate(_app, rendermime) {
    let bundle = null;
    const load = () => (bundle ??= import(/* webpackIgnore: true */ `${PageConfig.getBaseUrl()}${BUNDLE}`));
    rendermime.addFactory(finalChartsFactory(rendermime, load));
  },
};

// A %%live cell's experiment commits the notebook as shown, unsaved edits included (unsaved.js).
const unsavedEdits = {
  id: "live_nb:unsaved-edits",
  description: "A %%live cell's experiment commits the notebook as shown, unsaved edits included.",
  autoStart: true,
  requires: [INotebookTracker],
  activate(_app, tracker) {
    watchLiveCells(NotebookActions, tracker);
  },
};

export default [plugin, savedOutputs, finalCharts, unsavedEdits];
