"""The embedded local enver: a miniature of the mock constellation on 127.0.0.1.

Routes come from the contracts, answers from the master mock dataset, request validation
from the schemas; nothing here is written per endpoint.
"""

from odmd_bdd.localenv.faults import Fault, FaultPlan
from odmd_bdd.localenv.server import LocalEnver
from odmd_bdd.localenv.web import ClientFault

__all__ = ["ClientFault", "Fault", "FaultPlan", "LocalEnver"]
