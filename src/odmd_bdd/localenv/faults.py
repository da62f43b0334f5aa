"""Fault plans: deliberate deviations injected into the embedded enver's answers.

A fault names an operation (`service.operationId`, or just `operationId`) and what to do
to its answers: another status, fields set or removed, another body or content type, a
delay, a wrong CORS origin, headers left out of its CORS preflight's Access-Control-Allow-Headers,
its events dropped, malformed, duplicated or altered, replaced by another case's events
(`event_from`) or sent to another channel's queue (`event_queue`). `when_status` limits
it to answers that would have had that status (e.g. make a 400 answer 200). The harness's
own tests use fault plans to prove that each check fails when it should; `PUT
/_odmd/faults` sets a plan over HTTP for a running enver.
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.data import jsonpath
from odmd_bdd.localenv.answers import Answer


@dataclass(frozen=True)
class Fault:
    operation: str
    status: int | None = None
    set: dict[str, Any] = field(default_factory=dict)  # dotted path -> value
    remove: tuple[str, ...] = ()  # dotted paths to delete
    content_type: str | None = None  # "": the answer goes out with no Content-Type header
    body: Any = None  # replaces the whole body when not None
    when_status: int | None = None  # only answers that would have had this status
    delay_s: float = 0.0  # the answer leaves this much later
    cors_origin: str | None = None  # Access-Control-Allow-Origin of the answer
    preflight_drop: tuple[str, ...] = ()  # request headers its CORS preflight does not allow (any run)
    event: str | None = None  # "drop", "malform" or "duplicate" (send twice) the answer's events
    event_set: dict[str, Any] = field(default_factory=dict)  # dotted path -> value, in each event payload
    event_from: str | None = None  # a dataset case's ref: its events are sent instead of the answer's
    event_queue: str | None = None  # a queue (its base name): the events go there, not to their channel's
    case: str | None = None  # only answers from this dataset case
    run: str | None = None  # only answers to runs whose X-Odmd-Run starts with `<run>~` (a mutant's runs)

    EVENT_MODES = ("drop", "malform", "duplicate")

    def __post_init__(self) -> None:
        if self.event is not None and self.event not in self.EVENT_MODES:
            raise ValueError(f"event must be one of {', '.join(self.EVENT_MODES)}, not {self.event!r}")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Fault:
        allowed = {
            "operation",
            "status",
            "set",
            "remove",
            "content_type",
            "body",
            "when_status",
            "delay_s",
            "cors_origin",
            "preflight_drop",
            "event",
            "event_set",
            "event_from",
            "event_queue",
            "case",
            "run",
        }
        unknown = set(raw) - allowed
        if unknown or "operation" not in raw:
            raise ValueError(f"a fault needs 'operation' and may have {sorted(allowed)}; got {sorted(raw)}")
        return cls(
            operation=raw["operation"],
            status=raw.get("status"),
            set=dict(raw.get("set") or {}),
            remove=tuple(raw.get("remove") or ()),
            content_type=raw.get("content_type"),
            body=raw.get("body"),
            when_status=raw.get("when_status"),
            delay_s=float(raw.get("delay_s") or 0.0),
            cors_origin=raw.get("cors_origin"),
            preflight_drop=tuple(h.lower() for h in raw.get("preflight_drop") or ()),
            event=raw.get("event"),
            event_set=dict(raw.get("event_set") or {}),
            event_from=raw.get("event_from"),
            event_queue=raw.get("event_queue"),
            case=raw.get("case"),
            run=raw.get("run"),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            k: (list(v) if isinstance(v, tuple) else v)
            for k, v in self.__dict__.items()
            if v not in (None, {}, (), 0.0)
        }

    def applies_to(self, service: str, operation_id: str, run: str | None = None, case: str | None = None) -> bool:
        if self.case is not None and self.case != case:
            return False
        if self.run is not None and not (run or "").startswith(self.run + RUN_KEY):
            return False
        return self.operation in (operation_id, f"{service}.{operation_id}")


RUN_KEY = "~"  # a run id `<key>~<rest>` is subject to the faults planted with run=<key>


class FaultPlan:
    """A thread-safe list of faults; the server consults it on every answer."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.replace([])

    def replace(self, faults: list[Fault]) -> None:
        with self._lock:
            self._faults = list(faults)
            self._by_run: dict[str | None, list[Fault]] = {}
            for fault in self._faults:
                self._by_run.setdefault(fault.run, []).append(fault)

    def _candidates(self, run: str | None) -> list[Fault]:
        """The faults for every run, then those keyed to this run's key (hundreds of mutants cost a lookup)."""
        key = run.split(RUN_KEY, 1)[0] if run and RUN_KEY in run else None
        with self._lock:
            return self._by_run.get(None, []) + (self._by_run.get(key, []) if key is not None else [])

    def add(self, fault: Fault) -> None:
        self.replace([*self.faults(), fault])

    def clear(self) -> None:
        self.replace([])

    def faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def preflight_drop(self, service: str, operation_id: str) -> set[str]:
        """The request headers a preflight for this operation must not allow (a preflight carries
        no X-Odmd-Run, so only faults for every run apply)."""
        return {
            header
            for fault in self._candidates(None)
            if fault.run is None and fault.case is None and fault.applies_to(service, operation_id)
            for header in fault.preflight_drop
        }

    def apply(
        self,
        service: str,
        operation_id: str,
        answer: Answer,
        run: str | None = None,
        case: str | None = None,
        events_of: Callable[[str], Sequence[dict[str, Any]]] | None = None,
    ) -> Answer:
        """The answer with every applicable fault applied; `events_of(case ref)` gives a case's
        events for `event_from` (the enver's dataset)."""
        original_status = answer.status
        for fault in self._candidates(run):
            if not fault.applies_to(service, operation_id, run, case):
                continue
            if fault.when_status is not None and fault.when_status != original_status:
                continue
            body = copy.deepcopy(fault.body if fault.body is not None else answer.body)
            for path, value in fault.set.items():
                jsonpath.set_(body, path, value)
            for path in fault.remove:
                jsonpath.remove(body, path)
            answer = Answer(
                status=fault.status or answer.status,
                body=body,
                content_type=answer.content_type if fault.content_type is None else fault.content_type,
                events=_faulty_events(answer.events, fault, events_of),
                delay_s=max(answer.delay_s, fault.delay_s),
                cors_origin=fault.cors_origin or answer.cors_origin,
            )
        return answer


def _faulty_events(
    events: list[dict[str, Any]], fault: Fault, events_of: Callable[[str], Sequence[dict[str, Any]]] | None
) -> list[dict[str, Any]]:
    if fault.event == "drop":
        return []
    if fault.event_from is not None:
        if events_of is None:
            raise ValueError(f"event_from {fault.event_from!r}: this enver has no dataset to take the events from")
        events = list(events_of(fault.event_from))
    out = copy.deepcopy(events)
    if fault.event == "duplicate":
        out = out + copy.deepcopy(out)
    if fault.event_queue is not None:
        for event in out:
            event["queue"] = fault.event_queue
    for event in out:
        if fault.event == "malform":
            # Only the discriminator survives: every other required field is missing.
            event["payload"] = {"event_type": event["message"]}
        for path, value in fault.event_set.items():
            jsonpath.set_(event["payload"], path, value)
    return out
