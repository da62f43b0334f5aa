"""The one place that picks an enver's transport: the plugin's `api_transport` fixture and
the checkpoint both call `make_transport`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from odmd_bdd.transports.base import Transport
from odmd_bdd.transports.http import HttpTransport
from odmd_bdd.transports.sfn import SfnTransport

if TYPE_CHECKING:
    from odmd_bdd.resolution.envers import Enver


def make_transport(enver: Enver, *, http_timeout: float = 10.0, sfn_deadline: float = 30.0) -> Transport:
    """`sfn` when the enver (or the run's `--transport`) says so: each call is one execution of
    the enver's BDD state machine, bounded by `sfn_deadline`; else direct HTTP with `http_timeout`."""
    if enver.spec.transport == "sfn":
        return SfnTransport(enver.aws_client("stepfunctions"), enver.state_machine_arn or "", deadline_s=sfn_deadline)
    return HttpTransport(timeout=http_timeout, base_urls=[svc.base_url for svc in enver.services.values()])
