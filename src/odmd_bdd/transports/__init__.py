"""How the API layer reaches a service: `http` (httpx, direct) or `sfn` (the BDD state machine)."""

from .base import Exchange
from .http import HttpTransport
from .sfn import SfnTransport

__all__ = ["Exchange", "HttpTransport", "SfnTransport"]
