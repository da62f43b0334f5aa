"""Evidence of a run: every exchange attached to the Allure report and logged, redacted."""

from __future__ import annotations

import json
import logging

import allure

from .redaction import Redactor
from .transports import Exchange

log = logging.getLogger("odmd_bdd.exchange")


class Recorder:
    """Attaches each exchange to the current Allure test and logs a one-line summary."""

    def __init__(self, redactor: Redactor):
        self.redactor = redactor

    def exchange(self, exchange: Exchange, layer: str) -> None:
        record = exchange.redacted(self.redactor)
        log.info("[%s] %s %s -> %s (%.0f ms)", layer, record["request"]["method"], record["request"]["url"],
                 exchange.status, exchange.elapsed_ms)
        try:
            allure.attach(json.dumps(record, indent=2, ensure_ascii=False),
                          name=f"[{layer}] {exchange.label} → {exchange.status}",
                          attachment_type=allure.attachment_type.JSON)
        except KeyError:
            # allure-pytest-bdd has no current test outside a scenario (e.g. an actor used by
            # a plain test); the log line above still records the exchange.
            pass
