"""The embedded local enver: a miniature of the mock constellation on 127.0.0.1.

Routes come from the contracts, answers from the master mock dataset, request validation
from the schemas; nothing here is written per endpoint.

The names below load on first use: importing the package (e.g. for `localenv.running`, which a
run reads to reuse a running enver) loads neither uvicorn nor Starlette.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from odmd_bdd.localenv.faults import Fault, FaultPlan
    from odmd_bdd.localenv.server import LocalEnver
    from odmd_bdd.localenv.web import ClientFault

__all__ = ["ClientFault", "Fault", "FaultPlan", "LocalEnver"]
_WHERE = {"ClientFault": "web", "Fault": "faults", "FaultPlan": "faults", "LocalEnver": "server"}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(f"odmd_bdd.localenv.{_WHERE[name]}"), name)
    raise AttributeError(f"module 'odmd_bdd.localenv' has no attribute {name!r}")
