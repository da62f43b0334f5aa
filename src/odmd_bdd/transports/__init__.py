"""How the API layer reaches a service: `http` (httpx, direct) or `sfn` (the BDD state machine)."""

from odmd_bdd.transports.base import RUN_HEADER, Exchange, Transport, call_headers
from odmd_bdd.transports.factory import make_transport
from odmd_bdd.transports.http import HttpTransport
from odmd_bdd.transports.sfn import SfnTransport

__all__ = ["RUN_HEADER", "Exchange", "HttpTransport", "SfnTransport", "Transport", "call_headers", "make_transport"]
