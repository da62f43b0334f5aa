"""Mutants from the contracts and the dataset, one planted fault each.

Per answer field of every served dataset case (leaves and objects, nested too): removed, wrong
type, broken format or pattern, broken enum (each only where the response schema says so, as the
contract's own validator reports), another constant of the same type (schema-valid but wrong),
and an undeclared extra field. Per answer: another status the operation declares, no
Content-Type, a wrong Content-Type, a CORS Access-Control-Allow-Origin for another origin (only a
browser enforces CORS: that class runs on the GUI layer alone, `OBSERVABLE_ON`). Per answer
that publishes events: dropped, duplicated, another case's events instead, sent to another
channel's queue, a payload field changed. Per answer field the web client shows (GUI layer
only): another value shown, a wrong text ("undefined"), a stale text, the field hidden — as
planted web client bugs (localenv.web.ClientFault, keyed to the mutant's runs too). Each mutant is keyed to its case (Fault.case) and to runs
of its own (Fault.run = its id), so all of them are planted on one enver at once.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from odmd_bdd.data import jsonpath
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case

CLASSES = (
    "field removed",
    "field wrong type",
    "field broken format",
    "field broken enum",
    "field another constant",
    "field undeclared extra",
    "answer another status",
    "answer no content type",
    "answer wrong content type",
    "answer wrong CORS origin",
    "event dropped",
    "event duplicated",
    "event of another case",
    "event on another queue",
    "event field changed",
    "gui field shows another value",
    "gui field wrong text",
    "gui field stale text",
    "gui field hidden",
)
# Classes that only some layers can observe, with the reason the others cannot.
OBSERVABLE_ON: dict[str, tuple[tuple[str, ...], str]] = {
    "answer wrong CORS origin": (("gui",), "only a browser enforces CORS"),
    **{kind: (("gui",), "a web client bug") for kind in CLASSES if kind.startswith("gui ")},
}


def observable(kind: str, layer: str) -> bool:
    """Whether a mutant of class `kind` can turn a scenario of `layer` red at all."""
    return layer in OBSERVABLE_ON.get(kind, ((layer,), ""))[0]


BROKEN = "odmd::broken value"


@dataclass
class Mutant:
    id: str
    kind: str  # one of CLASSES
    case: str
    operation: str  # service.operationId
    description: str
    fault: dict[str, Any] = field(default_factory=dict)  # a localenv.Fault (the enver's answers and events)
    client: dict[str, Any] = field(default_factory=dict)  # or a localenv.web.ClientFault (the web client)
    # The fault changes nothing unless one of these cases also answers the scenario (a stale text
    # needs another answer of the operation that showed the field with another value); empty with
    # `conditional`: it never can.
    requires: tuple[str, ...] = ()
    conditional: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "class": self.kind,
            "case": self.case,
            "operation": self.operation,
            "description": self.description,
            "fault": self.fault,
            "client": self.client,
            "requires": list(self.requires),
        }


def _leaves(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    if isinstance(value, dict):
        for key, sub in value.items():
            dotted = f"{prefix}.{key}" if prefix else str(key)
            out.append((dotted, sub))
            out.extend(_leaves(sub, dotted))
    return out


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "true"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return 12345
    if value is None:
        return "null"
    if isinstance(value, list):
        return {"items": value}
    return [value]


def _keywords(validator: Any, body: Any, dotted: str) -> set[str]:
    """The schema keywords the contract's validator says `BROKEN` at `dotted` breaks."""
    if validator is None:
        return set()
    mutated = copy.deepcopy(body)
    jsonpath.set_(mutated, dotted, BROKEN)
    want = dotted.split(".")
    return {e.validator for e in validator.iter_errors(mutated) if [str(p) for p in e.absolute_path] == want}


def _another_constant(value: Any, constants: dict[str, Any]) -> tuple[str, Any] | None:
    """A constant of the same type and, for strings, the same shape (length class, prefix)."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        return None
    same = [(n, v) for n, v in constants.items() if type(v) is type(value) and v != value]
    if isinstance(value, str):
        shaped = [(n, v) for n, v in same if str(v)[:4] == value[:4] and abs(len(str(v)) - len(value)) <= 4]
        same = shaped or same
    return same[0] if same else None


def _queues(constellation: Constellation) -> dict[str, str]:
    """Message name -> the base name of the queue its channel publishes to."""
    return {
        name: message.queue
        for contract in constellation.event_contracts.values()
        for name, message in contract.messages.items()
    }


def generate(constellation: Constellation) -> list[Mutant]:
    dataset = constellation.dataset
    constants = dict(dataset.constants.items())
    queues = _queues(constellation)
    with_events = [c for c in dataset.cases.values() if c.served and c.events]
    out: list[Mutant] = []

    def add(kind: str, case: Case, description: str, **fault: Any) -> None:
        op = f"{case.service}.{case.operation}"
        mutant_id = f"m{len(out) + 1:04d}"
        out.append(
            Mutant(
                mutant_id,
                kind,
                case.ref,
                op,
                description,
                {"operation": op, "case": case.ref, "run": mutant_id, **fault},
            )
        )

    def add_client(
        mutant_class: str, case: Case, description: str, requires: tuple[str, ...] | None = None, **fault: Any
    ) -> None:
        op = f"{case.service}.{case.operation}"
        mutant_id = f"m{len(out) + 1:04d}"
        client = {"operation": op, "run": mutant_id, **fault}
        out.append(
            Mutant(
                mutant_id,
                mutant_class,
                case.ref,
                op,
                description,
                client=client,
                requires=requires or (),
                conditional=requires is not None,
            )
        )

    for case in dataset.cases.values():
        if not case.served or case.service not in constellation.contracts:
            continue
        op = constellation.contracts[case.service].operations.get(case.operation)
        if op is None:
            continue
        body = case.response.get("body")
        validator = op.responses.get(str(case.status))
        for dotted, value in _leaves(body):
            add("field removed", case, f"{dotted} removed", remove=[dotted])
            add(
                "field wrong type",
                case,
                f"{dotted} as {type(_wrong_type(value)).__name__}",
                set={dotted: _wrong_type(value)},
            )
            if isinstance(value, (str, int, float)) and not isinstance(value, bool):
                broken = _keywords(validator, body, dotted)
                if broken & {"format", "pattern"}:
                    add("field broken format", case, f"{dotted} breaks its format", set={dotted: BROKEN})
                if "enum" in broken or "const" in broken:
                    add("field broken enum", case, f"{dotted} outside its enum", set={dotted: BROKEN})
                other = _another_constant(value, constants)
                if other is not None:
                    add("field another constant", case, f"{dotted} is ${{{other[0]}}}", set={dotted: other[1]})
        if isinstance(body, dict):
            add("field undeclared extra", case, "an undeclared field odmd_extra", set={"odmd_extra": "x"})
        others = sorted(int(s) for s in op.responses if s.isdigit() and int(s) != case.status)
        if others:
            add("answer another status", case, f"status {others[0]}", status=others[0])
        add("answer no content type", case, "no Content-Type header", content_type="")
        add("answer wrong content type", case, "Content-Type text/plain", content_type="text/plain")
        add(
            "answer wrong CORS origin",
            case,
            "Access-Control-Allow-Origin: http://elsewhere.invalid",
            cors_origin="http://elsewhere.invalid",
        )
        if case.events:
            _event_mutants(add, case, with_events, queues)
        for dotted, value in _leaves(body):
            if isinstance(value, (dict, list)):
                continue
            other = _another_constant(value, constants)
            shown = other[1] if other is not None else BROKEN
            add_client(
                "gui field shows another value",
                case,
                f"{dotted} shows {shown!r}",
                kind="show",
                field=dotted,
                value=shown,
            )
            add_client(
                "gui field wrong text",
                case,
                f"{dotted} reads 'undefined'",
                kind="text",
                field=dotted,
                value="undefined",
            )
            shown_before = tuple(
                other.ref
                for other in dataset.cases.values()
                if other.ref != case.ref
                and other.served
                and (other.service, other.operation) == (case.service, case.operation)
                and jsonpath.get(other.response.get("body"), dotted, None) not in (None, value)
            )
            add_client(
                "gui field stale text",
                case,
                f"{dotted} keeps the previous text",
                requires=shown_before,
                kind="stale",
                field=dotted,
            )
            add_client("gui field hidden", case, f"{dotted} is not shown", kind="hide", field=dotted)
    return out


def _event_mutants(add: Any, case: Case, with_events: list[Case], queues: dict[str, str]) -> None:
    add("event dropped", case, "its events are not published", event="drop")
    add("event duplicated", case, "its events are published twice", event="duplicate")
    other = next((c for c in with_events if c.ref != case.ref and c.events != case.events), None)
    if other is not None:
        add("event of another case", case, f"the events of {other.ref} instead", event_from=other.ref)
    own = {queues.get(e["message"]) for e in case.events}
    elsewhere = sorted(set(queues.values()) - own)
    if elsewhere:
        add("event on another queue", case, f"its events go to {elsewhere[0]}", event_queue=elsewhere[0])
    payload = case.events[0]["payload"]
    field_name = next((k for k in payload if k != "event_type"), None) if isinstance(payload, dict) else None
    if field_name is not None:
        add(
            "event field changed",
            case,
            f"{case.events[0]['message']}.{field_name} changed",
            event_set={field_name: "odmd::changed"},
        )
