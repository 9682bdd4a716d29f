from __future__ import annotations

import subprocess
import sys

import live_nb


def test_public_names() -> None:
    assert sorted(live_nb.__all__) == [
        "Live",
        "LiveEvent",
        "LiveNbError",
        "LiveNbWarning",
        "__version__",
        "load_ipython_extension",
        "unload_ipython_extension",
    ]
    for name in live_nb.__all__:
        assert hasattr(live_nb, name)


def test_logging_loads_no_heavy_or_notebook_module() -> None:
    script = (
        "import sys, os, tempfile\n"
        "os.chdir(tempfile.mkdtemp())\n"
        "from live_nb import Live\n"
        "def loaded(names):\n"
        "    return sorted(names & {m.split('.')[0] for m in sys.modules})\n"
        "live = Live()\n"
        "live.log_param('p', 1)\n"
        "live.log_metric('m', 1.0)\n"
        "live.next_step()\n"
        "print(loaded({'pandas', 'numpy', 'altair', 'PIL', 'matplotlib', 'git', 'IPython',\n"
        "              'ipywidgets', 'anywidget', 'dvc', 'dvclive', 'ruamel'}))\n"
        "live.end()  # saving the experiment needs Git, and nothing of notebooks\n"
        "print(loaded({'pandas', 'altair', 'IPython', 'ipywidgets', 'anywidget', 'dvc'}))\n"
    )
    output = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", script], check=True, capture_output=True, text=True
    ).stdout
    assert output.splitlines() == ["[]", "[]"]
