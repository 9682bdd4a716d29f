"""``repro -j N``: independent stages at the same time, each only after its upstream ones.

A stage starts once every stage it depends on (among those chosen) has finished well; when
one fails, nothing downstream of it starts, the stages already running finish, and the
others go on. The outcome names the failed stages and those left out because of them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field

__all__ = ["Schedule", "run_in_order"]


@dataclass
class Schedule:
    """What happened: stages that failed (with their error) and those not started for them."""

    failed: dict[str, BaseException] = field(default_factory=dict)
    blocked: list[str] = field(default_factory=list)


def run_in_order(
    names: Sequence[str],
    upstream: Mapping[str, Sequence[str]],
    jobs: int,
    work: Callable[[str], object],
) -> Schedule:
    """Call ``work(name)`` for each of ``names`` (in running order), ``jobs`` at a time."""
    chosen = set(names)
    needs = {name: {u for u in upstream.get(name, ()) if u in chosen} for name in names}
    waiting = list(names)
    done: set[str] = set()
    outcome = Schedule()
    running: dict[Future[object], str] = {}
    with ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="live-nb-repro") as pool:
        while waiting or running:
            for name in list(waiting):
                if needs[name] & (set(outcome.failed) | set(outcome.blocked)):
                    waiting.remove(name)
                    outcome.blocked.append(name)
                elif len(running) < jobs and needs[name] <= done:
                    waiting.remove(name)
                    running[pool.submit(work, name)] = name
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                name = running.pop(future)
                error = future.exception()
                if error is None:
                    done.add(name)
                else:
                    outcome.failed[name] = error
    outcome.blocked += waiting
    return outcome
