"""live_nb: DVCLive-compatible logging and Git experiment versioning for Jupyter notebooks.

``from live_nb import Live`` is a drop-in replacement for ``from dvclive import Live``.
"""

from live_nb.error import LiveNbError, LiveNbWarning
from live_nb.events import LiveEvent
from live_nb.live import Live

__version__ = "0.1.0"

__all__ = ["Live", "LiveEvent", "LiveNbError", "LiveNbWarning", "__version__"]
