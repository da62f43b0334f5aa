"""Evidence of a run: every exchange and every received event attached to the Allure report and
logged, redacted."""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from typing import Any

import allure

from odmd_bdd.redaction import Redactor
from odmd_bdd.transports import Exchange

log = logging.getLogger("odmd_bdd.exchange")


class Recorder:
    """Attaches each exchange to the current Allure test and logs a one-line summary."""

    def __init__(self, redactor: Redactor):
        self.redactor = redactor

    def exchange(self, exchange: Exchange, layer: str) -> None:
        record = exchange.redacted(self.redactor)
        log.info(
            "[%s] %s %s -> %s (%.0f ms)",
            layer,
            record["request"]["method"],
            record["request"]["url"],
            exchange.status,
            exchange.elapsed_ms,
        )
        try:
            allure.attach(
                json.dumps(record, indent=2, ensure_ascii=False),
                name=f"[{layer}] {exchange.label} → {exchange.status}",
                attachment_type=allure.attachment_type.JSON,
            )
        except KeyError:
            # allure-pytest-bdd has no current test outside a scenario (e.g. an actor used by
            # a plain test); the log line above still records the exchange.
            pass

    def events(self, received: Sequence[Any], layer: str) -> None:
        """Events a scenario run received (`odmd_bdd.events.sqs.ReceivedEvent`), as one attachment."""
        if not received:
            return
        records = [{"message": e.message, "queue": e.queue, "payload": self.redactor.json(e.payload)} for e in received]
        for record in records:
            log.info("[%s] event %s on %s", layer, record["message"], record["queue"])
        names = ", ".join(sorted({r["message"] for r in records}))
        try:
            allure.attach(
                json.dumps(records, indent=2, ensure_ascii=False),
                name=f"[{layer}] events: {names}",
                attachment_type=allure.attachment_type.JSON,
            )
        except KeyError:  # no current Allure test (see exchange())
            pass
