"""Timing a method in place: the bench's probes (probe.py, startup.py) wrap engine methods with it."""

from __future__ import annotations

import time
from collections.abc import Callable


def time_calls(owner: object, name: str, into: Callable[[], dict | None], key: str) -> None:
    """Replace `owner.name` by a wrapper adding each call's seconds to `into()[key]`
    (nothing when `into()` gives None: no record to add to at the moment)."""
    original = getattr(owner, name)

    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            target = into()
            if target is not None:
                target[key] = target.get(key, 0.0) + time.perf_counter() - started

    setattr(owner, name, wrapper)
