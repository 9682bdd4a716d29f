// The table's Push button: the ticked experiments, their refs to the default Git remote and
// their artifacts to the default DVC remote. Python picks the remotes and refuses, with a
// message saying what to set up, when there is none (live_nb/widgets/table_push.py).

export const PUSH_ACTION = "push";

import { wholeExperiments } from "./logic.js";

// Whether Push can be pressed: one or more experiments (no checkpoint) ticked, nothing in flight.
export function pushEnabled(experiments, busy) {
  return !busy && wholeExperiments(experiments);
}

export function pushTitle(count) {
  return count
    ? `Push ${count} experiment(s) and their artifacts to the default remotes`
    : "Tick the experiments to push";
}

// What the confirmation says, and the request it sends once confirmed.
export function pushConfirmation(experiments, names) {
  return {
    text:
      `Push ${experiments.length} experiment(s): ${names.join(", ")}? Their refs go to the ` +
      "default Git remote and their DVC-cached artifacts to the default DVC remote, so a " +
      "teammate can pull and apply them.",
    confirmLabel: "Push",
    request: { type: PUSH_ACTION, ids: experiments.map((entry) => entry.id) },
    progress: "Pushing…",
  };
}
