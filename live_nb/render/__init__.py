"""Renderers: a run's state drawn as Vega-Lite, SVG, HTML and text.

- :mod:`~live_nb.render.state`: the run as every view draws it (``DashboardState``);
- :mod:`~live_nb.render.vegalite`: every chart's spec, built once, for the live
  dashboard (named data sources), the final output and ``report.html`` (inlined data);
- :mod:`~live_nb.render.svg` and :mod:`~live_nb.render.html`: copies for renderers
  without JavaScript (nbconvert, GitHub);
- :mod:`~live_nb.render.text`: values, durations, step counts and the summary as text;
- :mod:`~live_nb.render.downsample`: the bucket min/max rule every chart follows;
- :mod:`~live_nb.render.theme`: colours and limits, shared with the JavaScript bundle.

Pure functions: nothing here reads a run's files, imports IPython or widgets.
"""
