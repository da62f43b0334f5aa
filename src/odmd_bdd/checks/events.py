"""Event checks: a payload against its AsyncAPI message, and a run's events against exactly the
events of the dataset cases its actions were answered with.

`events.published.event_published` checks every event a scenario receives, `odmd-bdd check` every
event payload of the dataset; both through `event.payload`. `event.run` compares everything
that arrived on a scenario run's queues with the events its answered cases declare: each
expected event once, on its channel's queue, and nothing else.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.contracts.asyncapi import Message
from odmd_bdd.data.dataset import Case, Dataset


@check("event.payload")
def payload(message: Message, value: Any) -> list[Problem]:
    """The first ten ways `value` breaks the message's payload schema, each at its JSON path."""
    return [Problem("event.payload.schema", e.json_path, e.message) for e in message.payload_errors(value)[:10]]


class Arrived(Protocol):
    """An event as read from a queue (events.sqs.ReceivedEvent)."""

    message: str
    queue: str
    payload: Any
    raw: str


@dataclass(frozen=True)
class ExpectedEvent:
    """One event an answered dataset case declares, and the queue its channel puts it on."""

    case: str  # the case's ref
    message: str
    payload: Any
    queue: str


def expected_events(cases: Iterable[Case], queue_of: Any) -> list[ExpectedEvent]:
    """The events of `cases` (one entry per answer: a case answered twice publishes twice);
    `queue_of(message name)` is the run's queue of that message."""
    return [ExpectedEvent(c.ref, e["message"], e["payload"], queue_of(e["message"])) for c in cases for e in c.events]


def same(a: Any, b: Any) -> bool:
    """JSON equality that tells 1 from 1.0 from True."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return bool(a == b)


def cases_with(dataset: Dataset, message: str, value: Any, but: Iterable[str] = ()) -> list[str]:
    """The dataset cases (refs) that declare a `message` event with exactly this payload."""
    skip = set(but)
    return [
        case.ref
        for case in dataset.cases.values()
        if case.ref not in skip and any(e["message"] == message and same(e["payload"], value) for e in case.events)
    ]


def shown(event: Arrived) -> str:
    text = event.raw
    return text if len(text) <= 200 else text[:197] + "..."


@check("event.run")
def run(arrived: Sequence[Arrived], expected: Sequence[ExpectedEvent], dataset: Dataset) -> list[Problem]:
    """Every event on a run's queues is one its answered cases declare, on its channel's queue, once;
    every declared event arrived. Problems name the queue, the payload and the case(s) concerned."""
    left = list(expected)
    used: list[ExpectedEvent] = []
    strays: list[Arrived] = []
    for event in arrived:  # exact matches first, in arrival order
        hit = next(
            (
                x
                for x in left
                if x.message == event.message and x.queue == event.queue and same(x.payload, event.payload)
            ),
            None,
        )
        if hit is None:
            strays.append(event)
        else:
            left.remove(hit)
            used.append(hit)
    answered = {x.case for x in expected}
    problems = []
    for event in strays:
        where = f"queue {event.queue}"
        moved = next((x for x in left if x.message == event.message and same(x.payload, event.payload)), None)
        if moved is not None:
            left.remove(moved)
            used.append(moved)
            problems.append(
                Problem(
                    "event.run.queue",
                    where,
                    f"{event.message} event of case {moved.case} on another queue: its channel's queue is "
                    f"{moved.queue} ({shown(event)})",
                )
            )
            continue
        twin = next((x for x in used if x.message == event.message and same(x.payload, event.payload)), None)
        if twin is not None:
            problems.append(
                Problem(
                    "event.run.duplicate",
                    where,
                    f"a duplicate {event.message} event of case {twin.case}: its payload arrived once more "
                    f"than the scenario's answers declare ({shown(event)})",
                )
            )
            continue
        others = cases_with(dataset, event.message, event.payload, but=answered)
        if others:
            problems.append(
                Problem(
                    "event.run.other-case",
                    where,
                    f"{event.message} event with the payload of dataset case {', '.join(others)}, which no "
                    f"action of this scenario was answered with ({shown(event)})",
                )
            )
            continue
        problems.append(
            Problem(
                "event.run.unexpected",
                where,
                f"{event.message} event no answered case of this scenario declares ({shown(event)})",
            )
        )
    for missing in left:
        problems.append(
            Problem(
                "event.run.missing",
                f"queue {missing.queue}",
                f"the {missing.message} event of case {missing.case} never arrived",
            )
        )
    return problems


@check("event.case")
def case_event(
    event: Arrived,
    arrivals: int,
    declared: Sequence[ExpectedEvent],
    dataset: Dataset,
    answered: Iterable[str],
    differences: Callable[[Any, Any], list[Problem]],
) -> list[Problem]:
    """One arrived event against exactly the events of the same message that the scenario's
    answered cases declare (`declared`, one entry per answer): equal to one of them, and
    arriving (`arrivals` times, counting itself) no more often than they declare it.
    `differences(expected, actual)` names how a payload differs (checks.expect.body)."""
    where = f"queue {event.queue}"
    twins = [x for x in declared if same(x.payload, event.payload)]
    if twins:
        if arrivals > len(twins):
            return [
                Problem(
                    "event.case.duplicate",
                    where,
                    f"a duplicate {event.message} event: arrived {arrivals} times, the scenario's answers declare "
                    f"it {len(twins)} time(s) (case {', '.join(dict.fromkeys(x.case for x in twins))}): {shown(event)}",
                )
            ]
        return []
    answered = set(answered)
    others = cases_with(dataset, event.message, event.payload, but=answered)
    if others:
        mine = ", ".join(dict.fromkeys(x.case for x in declared)) or "none"
        return [
            Problem(
                "event.case.other-case",
                where,
                f"the {event.message} event is the payload of dataset case {', '.join(others)}, which no action "
                f"of this scenario was answered with (expected the payload of: {mine}): {shown(event)}",
            )
        ]
    if not declared:
        return [
            Problem(
                "event.case.undeclared",
                where,
                f"a {event.message} event arrived, but no case this scenario was answered with declares one "
                f"(answered: {', '.join(sorted(answered)) or 'none'}): {shown(event)}",
            )
        ]
    closest = min(declared, key=lambda x: len(differences(x.payload, event.payload)))
    return [
        p.within(f"{where}: differs from the {event.message} event of dataset case {closest.case}")
        for p in differences(closest.payload, event.payload)
    ] or [
        Problem(
            "event.case.value",
            where,
            f"the {event.message} event differs from case {closest.case}'s in a value's type: {shown(event)}",
        )
    ]
