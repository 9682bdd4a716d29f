"""Experiment names: random pairs, the rules a given name follows, and names in messages.

Random names are ``adjective-noun`` pairs; messages suggest the closest names and list the
first few of many.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from live_nb.error import LiveNbError

_ADJECTIVES = """
agile amber ample arctic ashen astral autumn azure balmy bold brave breezy bright brisk
calm candid cedar civic clever cobalt cosmic coral crisp curly daring dapper deft dewy
dusky eager early earthy elated elder electric ember even fabled fair fancy feral fervent
fiery first fleet floral fluent foggy frank free fresh frosty gentle gilded glad glassy
golden grand granite grassy green hardy hazel hearty hidden humble icy idle indigo inner
ivory jade jolly jovial keen kind lanky lapis large late lavish leafy level light lively
loyal lucid lucky lunar lush major maple marble mellow merry mighty misty modest mossy
nimble noble nordic oaken ocean olive onyx opal orange patient pearly placid plucky polar
prime proud quick quiet rapid rare ready regal rosy round royal ruby rustic sandy scarlet
serene shady sharp shiny silent silky silver simple sleek slow smooth snowy solar solid
sonic spare spry steady stellar stony sturdy subtle sunny swift tall tawny tender tidal
tidy tranquil true umber urban vast velvet verdant vivid warm wavy wild windy wise witty
woody young zesty
""".split()

_NOUNS = """
acorn alder anchor antler apple arch aspen atlas aurora badger basil bay beacon beech
birch bison bloom bluff boulder bramble brook butte cactus canyon cape cedar comet coral
cove crane creek crest cricket crow cypress dale delta dingo dolphin dove dune eagle echo
egret elm ember falcon fern fjord finch flint forest fox gale garnet gecko geyser glade
glen grove gull harbor hare hawk heath heron hill holly horizon ibis iris island ivy
jackal jaguar jasper juniper kelp kestrel koala lagoon lake lark laurel ledge lemur lily
linden lotus lynx magpie mallow mango maple marsh meadow mesa mink moose moss moth newt
nova oak oasis orchid osprey otter owl panda peak pebble pine plover pond poppy prairie
quail quartz rain raven reed reef ridge river robin rowan sage salmon sequoia shoal sierra
sparrow spruce stork summit swan thicket thistle thrush tide tulip tundra valley vireo
walnut wave willow wolf wren yarrow yew zephyr
""".split()

LISTED = 10
"""How many names or paths a message lists before "and N more"."""

_FORBIDDEN = re.compile(r"[\x00-\x20\x7f~^:?*\[\\/]")


class InvalidExperimentNameError(LiveNbError, ValueError):
    """A name that cannot be an experiment's (a Git ref component without "/")."""

    def __init__(self, name: object, reason: str) -> None:
        """Say why ``name`` is refused and what a good one looks like."""
        self.name = name
        super().__init__(
            f"Invalid experiment name {name!r}: {reason}. Use letters, digits, '-', '_' and '.', "
            "e.g. 'lr-0.01' or 'baseline_v2'."
        )


def check_experiment_name(name: object) -> str:
    """Return ``name`` if it is a valid Git ref component without '/', else raise."""
    if not isinstance(name, str):
        raise InvalidExperimentNameError(name, f"expected a string, got {type(name).__name__}")
    reason = _invalid_reason(name)
    if reason:
        raise InvalidExperimentNameError(name, reason)
    return name


MAX_NAME_BYTES = 200
"""Room for Git's ``.lock`` beside the ref's file, on file systems holding 255-byte names."""


def _invalid_reason(name: str) -> str | None:
    if not name:
        return "it is empty"
    size = len(name.encode("utf-8", "surrogatepass"))
    if size > MAX_NAME_BYTES:
        return f"it is {size} bytes long; a name may hold {MAX_NAME_BYTES}"
    match = _FORBIDDEN.search(name)
    if match:
        char = match.group()
        shown = {" ": "a space", "/": "'/'"}.get(char, repr(char))
        return f"it contains {shown}"
    if ".." in name or "@{" in name:
        return "it contains '..' or '@{'"
    if name.startswith(".") or name.endswith((".", ".lock")) or name == "@":
        return "it starts or ends with '.', ends with '.lock', or is '@'"
    return None


def random_name(taken: Collection[str] = ()) -> str:
    """A fresh ``adjective-noun`` not in ``taken`` (a numeric suffix once pairs run out)."""
    # secrets, not random: a training script's random.seed() must not repeat our names.
    import secrets  # here: reading experiments never needs it (hmac, hashlib at start-up)

    for _ in range(100):
        name = f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}"
        if name not in taken:
            return name
    while True:
        name = f"{secrets.choice(_ADJECTIVES)}-{secrets.choice(_NOUNS)}-{secrets.randbelow(10**6)}"
        if name not in taken:
            return name


def closest(name: str, candidates: Iterable[str], count: int = 3) -> list[str]:
    """The existing names most like ``name``, for "did you mean" messages."""
    import difflib

    return difflib.get_close_matches(name, list(candidates), n=count, cutoff=0.5)


def join_first(items: Sequence[str], limit: int = LISTED) -> str:
    """The first ``limit`` items joined by commas, then "and N more" for the rest."""
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return ", ".join(items[:limit]) + more
