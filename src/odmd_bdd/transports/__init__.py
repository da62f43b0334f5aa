"""How the API layer reaches a service: `http` (httpx, direct) or `sfn` (the BDD state machine)."""

from odmd_bdd.transports.base import Exchange
from odmd_bdd.transports.http import HttpTransport
from odmd_bdd.transports.sfn import SfnTransport

__all__ = ["Exchange", "HttpTransport", "SfnTransport"]
