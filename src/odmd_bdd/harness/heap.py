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
"""

from __future__ import annotations

import gc


def settle() -> None:
    gc.freeze()
