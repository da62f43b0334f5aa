"""The heap a pytest process builds before its first scenario, out of the cyclic collector's way.

Start-up leaves a few hundred thousand long-lived objects behind: modules, pytest's and
pytest-bdd's machinery, the contracts, botocore's service models (and, in a run that starts
its own enver, moto's). CPython's cyclic collector walks all of them on every full collection:
while the process imports (the oldest generation fills up again and again), in the collections
pytest forces at the end of a run (unraisable-exception checks) and when the interpreter exits.
For an API-layer run of a feature that was about a third of the process's CPU.

`settle()` is `gc.freeze()`: whatever is alive now moves to the permanent generation, which
collections skip (objects are still freed by reference counting; only reference cycles among
them are never reclaimed, which for objects that live until exit anyway costs nothing). It is
called when the plugin loads, once the features are collected and once the enver is resolved;
objects made later (each scenario's) are collected as before.

`pause()` and `resume()` do the same for a phase that spans pytest's hooks: from the moment
pytest loads the plugin (the engine's modules import) through configuration and collection
(the project, the features, the steps) to the first scenario.

`building()` pauses the collector while a block makes long-lived objects (an enver being
resolved: moto, botocore's models, the contracts) and settles them when it ends. Collections
during such a block find next to nothing to free (a resolved embedded enver left about 1% of
its new objects unreachable) but walk the whole young heap again and again: about a sixth of
the embedded enver's time to ready.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_paused = False  # pause() turned the collector off; resume() turns it back on


def settle() -> None:
    gc.freeze()


@contextlib.contextmanager
def building() -> Iterator[None]:
    """The cyclic collector paused for the block, whose objects are then settled; the collector
    is left as the block found it (a nested block, or a caller that disabled it, keeps it off)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        settle()
        if was_enabled:
            gc.enable()


def pause() -> None:
    """The collector off until `resume()`; a collector already off (by the caller) stays as it is."""
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """What was built since `pause()` settled, and the collector back on if `pause()` turned it off."""
    global _paused
    settle()
    if _paused:
        _paused = False
        gc.enable()
