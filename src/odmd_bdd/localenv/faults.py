"""Fault plans: deliberate deviations injected into the embedded enver's answers.

A fault names an operation (`service.operationId`, or just `operationId`) and what to do
to its answers. The harness's own tests use them to prove that each check fails when it
should; `PUT /_odmd/faults` sets a plan over HTTP for a running enver.
"""

from __future__ import annotations

import copy
import threading
from dataclasses import dataclass, field
from typing import Any

from .. import jsonpath


@dataclass(frozen=True)
class Fault:
    operation: str
    status: int | None = None
    set: dict[str, Any] = field(default_factory=dict)  # dotted path -> value
    remove: tuple[str, ...] = ()  # dotted paths to delete
    content_type: str | None = None
    body: Any = None  # replaces the whole body when not None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Fault:
        allowed = {"operation", "status", "set", "remove", "content_type", "body"}
        unknown = set(raw) - allowed
        if unknown or "operation" not in raw:
            raise ValueError(f"a fault needs 'operation' and may have {sorted(allowed)}; got {sorted(raw)}")
        return cls(operation=raw["operation"], status=raw.get("status"), set=dict(raw.get("set") or {}),
                   remove=tuple(raw.get("remove") or ()), content_type=raw.get("content_type"), body=raw.get("body"))

    def applies_to(self, service: str, operation_id: str) -> bool:
        return self.operation in (operation_id, f"{service}.{operation_id}")


@dataclass
class Answer:
    status: int
    body: Any
    content_type: str = "application/json"


class FaultPlan:
    """A thread-safe list of faults; the server consults it on every answer."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()

    def replace(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)

    def add(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        self.replace([])

    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def apply(self, service: str, operation_id: str, answer: Answer) -> Answer:
        for fault in self.faults():
            if not fault.applies_to(service, operation_id):
                continue
            body = copy.deepcopy(fault.body if fault.body is not None else answer.body)
            for path, value in fault.set.items():
                jsonpath.set_(body, path, value)
            for path in fault.remove:
                jsonpath.remove(body, path)
            answer = Answer(status=fault.status or answer.status, body=body,
                            content_type=fault.content_type or answer.content_type)
        return answer
