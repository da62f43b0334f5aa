"""Event checks: a payload against its AsyncAPI message.

`expect.event_published` checks every event a scenario receives, `odmd-bdd check` every
event payload of the dataset; both through this check.
"""

from __future__ import annotations

from typing import Any

from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.contracts.asyncapi import Message


@check("event.payload")
def payload(message: Message, value: Any) -> list[Problem]:
    """The first ten ways `value` breaks the message's payload schema, each at its JSON path."""
    return [Problem("event.payload.schema", e.json_path, e.message) for e in message.payload_errors(value)[:10]]
