"""Remember which step definitions match a step, per test module, for the session.

pytest-bdd 9 finds the definition of every step of every scenario run anew
(`pytest_bdd.scenario.find_fixturedefs_for_step`): it walks every fixture name of the session
and asks pytest which of their definitions the test can see (~50 names, each with the test's
whole parent chain). Profiled on the API layer that was ~0.45 ms a step, about a fifth of an
API scenario's cost in the harness (docs/PERFORMANCE.md).

The answer depends only on the step (type and text) and on where the test lives: which
fixture definitions a test sees is decided by its parents (conftest directories, module),
and step definitions are all registered by the time tests run. So the lookup is kept per
(module node id, step type, step text), on the session's FixtureManager, and is otherwise
pytest-bdd's own function. If pytest-bdd stops having that function, nothing is installed
and steps are looked up as before (only slower).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

_CACHE_ATTR = "_odmd_step_lookup"


def install() -> bool:
    """Wrap pytest-bdd's lookup once per process; False when pytest-bdd has none to wrap."""
    import pytest_bdd.scenario  # noqa: F401 - the module (the package exports a function of the same name)

    module = sys.modules["pytest_bdd.scenario"]
    original = getattr(module, "find_fixturedefs_for_step", None)
    if original is None:
        return False
    if getattr(original, "odmd_cached", False):
        return True

    def find_fixturedefs_for_step(step: Any, fixturemanager: Any, node: Any) -> Iterable[Any]:
        parent = getattr(node, "parent", None)
        if parent is None:
            return original(step=step, fixturemanager=fixturemanager, node=node)
        cache = fixturemanager.__dict__.setdefault(_CACHE_ATTR, {})
        key = (parent.nodeid, step.type, step.name)
        found = cache.get(key)
        if found is None:
            found = cache[key] = tuple(original(step=step, fixturemanager=fixturemanager, node=node))
        return iter(found)

    find_fixturedefs_for_step.odmd_cached = True  # type: ignore[attr-defined]
    find_fixturedefs_for_step.__wrapped__ = original  # type: ignore[attr-defined]
    module.find_fixturedefs_for_step = find_fixturedefs_for_step  # type: ignore[attr-defined]  # not in its stubs
    return True
