"""Which layers a step supports: the one declaration a step module may make about it.

Every step is layer-blind unless its module says otherwise, in one of two ways:

    LAYERS = ("api",)          # module level: every step of this module runs on the API layer only

    @when("the user sends a body without the field {field}")
    @layers("api")             # one step: overrides the module's LAYERS
    def send_without(...): ...

`odmd-bdd steps` lists each step's layers; `odmd-bdd lint` reports a scenario that would run
on a layer one of its steps does not support (tag it `@api-only` / `@gui-only`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType
from typing import TypeVar

from odmd_bdd.names import LAYERS

KNOWN_LAYERS: tuple[str, ...] = LAYERS  # a scenario runs on each unless tagged @api-only/@gui-only
ATTRIBUTE = "__odmd_layers__"

F = TypeVar("F", bound=Callable[..., object])


def _checked(names: object, where: str) -> tuple[str, ...]:
    if not isinstance(names, Iterable):
        raise ValueError(f"{where}: layers must be a tuple of layer names like ('api',), not {names!r}")
    values: tuple[object, ...] = (names,) if isinstance(names, str) else tuple(names)
    unknown = [v for v in values if v not in KNOWN_LAYERS]
    if unknown or not values:
        raise ValueError(f"{where}: layers must name one or more of {', '.join(KNOWN_LAYERS)}, not {values!r}")
    return tuple(layer for layer in KNOWN_LAYERS if layer in values)


def layers(*names: str) -> Callable[[F], F]:
    """Declare the layers one step function supports (in either order with @given/@when/@then)."""
    checked = _checked(names, "@layers(...)")

    def mark(func: F) -> F:
        setattr(func, ATTRIBUTE, checked)
        return func

    return mark


def step_layers(func: Callable[..., object], module: ModuleType | None) -> tuple[str, ...]:
    """The layers of a step: the function's @layers, else its module's LAYERS, else every layer."""
    declared = getattr(func, ATTRIBUTE, None)
    if declared is not None:
        return declared
    if module is not None and hasattr(module, "LAYERS"):
        return _checked(module.LAYERS, f"{getattr(module, '__file__', module.__name__)}: LAYERS")
    return KNOWN_LAYERS
