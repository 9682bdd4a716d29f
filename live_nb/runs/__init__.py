"""Running experiments: notebooks and scripts, headless, once per point of a ``-S`` grid.

One module per job: :mod:`.params` (DVC's ``-S`` grammar and grids), :mod:`.params_files`
(params files changed as DVC changes them).
"""
