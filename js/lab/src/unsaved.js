// Unsaved edits: a %%live cell's experiment commits the notebook as it is shown, not as last saved.
//
// When a cell whose source starts with %%live is scheduled, this sends the notebook's current
// JSON to its kernel on a comm to "live_nb.notebook" (registered by %load_ext live_nb; see
// live_nb/notebook/frontend_copy.py for the message). NotebookActions.executionScheduled is
// emitted just before the cell's execute_request is sent, and a kernel handles shell messages in
// order, so the copy is there when the cell starts. Nothing is sent for other cells. No
// JupyterLab import here: index.js passes NotebookActions and the notebook tracker in.

export const TARGET = "live_nb.notebook";
export const MAX_CHARS = 32 * 1024 * 1024; // as the kernel's cap: a larger copy is not sent

/** Whether `source` is a %%live cell's. */
export function isLiveCell(source) {
  return /^\s*%%live(\s|$)/.test(source);
}

/** The comm message's data for a notebook at `path` whose JSON is `notebook`. */
export function copyMessage(path, notebook, dirty) {
  const size = JSON.stringify(notebook).length;
  if (size > MAX_CHARS) {
    return { path, refused: `the notebook is over ${MAX_CHARS / 1024 / 1024} MB` };
  }
  return { path, dirty: Boolean(dirty), notebook };
}

/** Open a comm to the panel's kernel with the notebook as it is shown now. */
export function sendCopy(panel) {
  const kernel = panel.sessionContext?.session?.kernel;
  const model = panel.context?.model;
  if (!kernel || !model || !kernel.handleComms || kernel.isDisposed) return;
  try {
    const comm = kernel.createComm(TARGET);
    comm.open(copyMessage(panel.context.path, model.toJSON(), model.dirty));
  } catch (error) {
    console.warn("live_nb: could not send the notebook's unsaved copy to its kernel", error);
  }
}

/**
 * Send the notebook's copy to its kernel whenever `actions` (NotebookActions) schedules a
 * %%live cell of a notebook `tracker` knows.
 */
export function watchLiveCells(actions, tracker) {
  actions.executionScheduled.connect((_sender, { notebook, cell }) => {
    if (cell?.model?.type !== "code" || !isLiveCell(cell.model.sharedModel.getSource())) return;
    const panel = tracker.find((candidate) => candidate.content === notebook);
    if (panel) sendCopy(panel);
  });
}
