"""The Then-step wait for a published event: it arrives on the run's queue, conforms to its
AsyncAPI message and is the event the dataset declares (checks.events, compared by checks.expect)."""

from __future__ import annotations

from collections.abc import Sequence

from odmd_bdd.checks import events as event_checks
from odmd_bdd.checks import expect
from odmd_bdd.checks.problems import lines
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.data.placeholders import Expected
from odmd_bdd.errors import ContractViolation
from odmd_bdd.events.sqs import EventInbox, ReceivedEvent, queue_name


def event_published(
    inbox: EventInbox,
    dataset: Dataset,
    name: str,
    about: Expected,
    timeout: float,
    answered: Sequence[Case] | None = None,
) -> None:
    """An event `name` mentioning `about` arrives within `timeout`, conforms to its AsyncAPI
    message, and equals exactly the payload of a `name` event that one of `answered` (the cases
    this scenario's actions were answered with, one per answer) declares, and arrives no more
    often than they declare it. `answered=None` (an enver whose answers are not known): it
    equals a payload the dataset has for it."""
    message = inbox.messages.get(name)
    # then_sweep: a duplicate already waiting is seen now, not after the scenario
    event, seen = inbox.wait_for(name, lambda payload: expect.contains(payload, about.value), timeout, then_sweep=True)
    if event is None:
        broken = [(e, lines(event_checks.payload(message, e.payload))) for e in seen]
        broken = [(e, p) for e, p in broken if p]
        if broken:  # what arrived does not even conform: that is the finding, not the absence
            e, problems = broken[0]
            raise ContractViolation(
                f"{name} event on {e.queue} ({message.service} events), expected for {about.describe()}", problems
            )
        own = queue_name(message.queue, inbox.run)
        inbox.sweep()  # was it sent to another queue?
        elsewhere = [
            e
            for e in inbox.received
            if e.message == name and e.queue != own and expect.contains(e.payload, about.value)
        ]
        arrived = "; ".join(_arrived(dataset, e) for e in seen) or "nothing"
        also = "".join(f"; it arrived on another queue, {e.queue}: {event_checks.shown(e)}" for e in elsewhere)
        raise AssertionError(
            f"no {name} event for {about.describe()} arrived on {own} within {timeout:g}s (arrived: {arrived}){also}"
        )
    mentioning = [e for e in inbox.received if e.message == name and expect.contains(e.payload, about.value)]
    if answered is not None:
        declared = [
            x
            for x in event_checks.expected_events(
                answered, lambda m: queue_name(inbox.messages.get(m).queue, inbox.run)
            )
            if x.message == name
        ]
        wanted = [x for x in declared if expect.contains(x.payload, about.value)]
        event = next((e for e in mentioning if any(event_checks.same(x.payload, e.payload) for x in wanted)), event)
    problems = lines(event_checks.payload(message, event.payload))
    if problems:
        raise ContractViolation(f"{name} event on {event.queue} ({message.service} events)", problems)
    if answered is None:
        candidates = [
            ev["payload"]
            for case in dataset.cases.values()
            for ev in case.events
            if ev["message"] == name and expect.contains(ev["payload"], about.value)
        ]
        if candidates and event.payload not in candidates:
            diffs = min((expect.body(c, event.payload) for c in candidates), key=len)
            raise AssertionError(
                f"{name} event for {about.describe()} differs from the dataset:\n  " + "\n  ".join(lines(diffs))
            )
        _note_event(name, about, event)
        return
    arrivals = sum(1 for e in inbox.received if e.message == name and event_checks.same(e.payload, event.payload))
    found = event_checks.case_event(
        event, arrivals, wanted or declared, dataset, [c.ref for c in answered], expect.body
    )
    if found:
        raise AssertionError(f"{name} event for {about.describe()}:\n  " + "\n  ".join(lines(found)))
    _note_event(name, about, event)


def _note_event(name: str, about: Expected, event: ReceivedEvent) -> None:
    expect.note(
        f"{name} event on {event.queue}",
        f"mentions {about.describe()}, as the dataset declares it",
        repr(event.payload),
        True,
    )


def _arrived(dataset: Dataset, event: ReceivedEvent) -> str:
    """An event as a miss lists it, with the dataset case(s) whose payload it is."""
    cases = event_checks.cases_with(dataset, event.message, event.payload)
    return event_checks.shown(event) + (f" (the payload of dataset case {', '.join(cases)})" if cases else "")
