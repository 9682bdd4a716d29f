"""``python -m live_nb``: the ``live-nb`` command."""

import sys

from live_nb.cli import main

sys.exit(main())
