"""The saved copy of %exp_run's runs view: what a notebook reopened after a restart shows."""

from __future__ import annotations

from live_nb.widgets.runs import static_html


def test_the_saved_copy_lists_each_run_escaped() -> None:
    rows = [
        {"name": "lr-0.1", "params": "lr=0.1", "status": "done", "step": 9, "metrics": {"acc": 1}},
        {"name": "<img src=x onerror=alert(1)>", "params": "", "status": "failed", "error": "Boom"},
    ]

    page = static_html(rows, "All 2 run(s) ended: 1 done, 1 failed.")

    assert page.count("<tr>") == 3
    assert "<td>step 9 acc=1</td>" in page and "<td>Boom</td>" in page
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<p>All 2 run(s) ended: 1 done, 1 failed.</p>" in page
    assert "live-nb queue status</code> says where these runs are now" in page  # it may be old
