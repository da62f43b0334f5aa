"""One core for each xdist worker's own threads, every core for the processes it starts.

A worker's scenarios hand every request between its threads: the harness, the services' event
loop, moto's request threads. With two workers and the controller free to run anywhere, those
hand-offs kept moving threads between cores, which cost the 25x API suite about a sixth of its
`-n 2` time on this project's 2-core machine (docs/PERFORMANCE.md has the suite's numbers). A
process a worker starts (the Playwright driver, and through it Chromium) must not inherit that
one core: pinned with their worker, the full suite took about twice as long.

Linux only (`os.sched_setaffinity`); elsewhere nothing is pinned.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

_free: frozenset[int] | None = None  # the cores this process could use before `pin`


def pin(index: int, count: int) -> int | None:
    """Keep the calling thread, and every thread it starts from now on, on the `index`-th of the
    cores this process may use; return that core. Nothing is pinned (None) for fewer than two
    workers, when there are fewer cores than `count` workers, or without sched_setaffinity."""
    global _free
    if not hasattr(os, "sched_setaffinity") or count < 2:
        return None
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < count:
        return None
    _free = frozenset(cores)
    core = cores[index % len(cores)]
    os.sched_setaffinity(0, {core})  # 0: the calling thread; threads inherit their creator's mask
    return core


@contextlib.contextmanager
def unpinned() -> Iterator[None]:
    """Within the block the calling thread may run on every core `pin` found, so a process it
    starts inherits them all."""
    if _free is None:
        yield
        return
    mine = os.sched_getaffinity(0)
    os.sched_setaffinity(0, _free)
    try:
        yield
    finally:
        os.sched_setaffinity(0, mine)
