"""``python -m live_nb``: the ``live-nb`` command."""

from live_nb.cli import main

if __name__ == "__main__":
    raise SystemExit(main())
