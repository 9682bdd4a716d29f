// The experiments table view (filled in by the experiments-table work).
export default {
  render({ el }) {
    el.textContent = "live_nb experiments table";
  },
};
