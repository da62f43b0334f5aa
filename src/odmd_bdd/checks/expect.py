"""Comparisons used by Then-steps, as registered checks (`expect.*`) returning Problems, and
the step helpers that raise them; each failure names the layer, operation, field and constant."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from odmd_bdd.actors import Observation
from odmd_bdd.checks import events
from odmd_bdd.checks.problems import Problem, check, lines
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.data.placeholders import Expected
from odmd_bdd.errors import ContractViolation
from odmd_bdd.events.sqs import EventInbox, ReceivedEvent, queue_name
from odmd_bdd.redaction import MASK, SENSITIVE_KEY


def _shown(path: str, value: Any, secret: bool) -> str:
    return MASK if secret or SENSITIVE_KEY.search(path) else repr(value)


# What the Then-step being run compared, passed or not: the report attaches it to the step
# (harness.allure_report). One process runs one step at a time; `take_compared` empties it.
_COMPARED: list[dict[str, Any]] = []


def _note(what: str, expected: str, actual: str, ok: bool) -> None:
    _COMPARED.append({"what": what, "expected": expected, "actual": actual, "ok": ok})


def take_compared() -> list[dict[str, Any]]:
    """The comparisons made since the last call (each: what, expected, actual, ok), masked."""
    taken = list(_COMPARED)
    _COMPARED.clear()
    return taken


@check("expect.field")
def field(obs: Observation, path: str, expected: Expected) -> list[Problem]:
    """The answer's field `path` (dotted) holds the expected value."""
    actual = obs.field(path)
    shown = _shown(path, actual, expected.secret)
    _note(f"{obs.label}: field {path}", expected.describe(), shown, actual == expected.value)
    if actual == expected.value:
        return []
    return [Problem("expect.field", f"field {path}", f"expected {expected.describe()}, got {shown}", obs.label)]


def field_equals(obs: Observation, path: str, expected: Expected) -> None:
    problems = field(obs, path, expected)
    if problems:
        raise AssertionError(str(problems[0]))


@check("expect.status")
def status(obs: Observation, allowed: range | tuple[int, ...], meaning: str) -> list[Problem]:
    """The answer's status is one of `allowed` (`meaning` says what that is, for the message)."""
    shown = f"{allowed.start}-{allowed.stop - 1}" if isinstance(allowed, range) else "/".join(map(str, allowed))
    _note(f"{obs.label}: status", f"{shown} ({meaning})", str(obs.status), obs.status in allowed)
    if obs.status in allowed:
        return []
    detail = ""
    if isinstance(obs.body, dict) and ("message" in obs.body or "issues" in obs.body):
        detail = f" — {obs.body.get('message') or obs.body.get('issues')}"
    return [Problem("expect.status", "", f"expected {meaning}, got status {obs.status}{detail}", obs.label)]


def status_in(obs: Observation, allowed: range | tuple[int, ...], meaning: str) -> None:
    problems = status(obs, allowed, meaning)
    if problems:
        raise AssertionError(str(problems[0]))


@check("expect.body")
def body(expected: Any, actual: Any, path: str = "$") -> list[Problem]:
    """Every leaf of `expected` that `actual` lacks or has otherwise, at its JSON path (extra
    fields are fine)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [Problem("expect.body.type", path, f"expected an object, got {type(actual).__name__}")]
        out = []
        for key, value in expected.items():
            sub = f"{path}.{key}"
            if key not in actual:
                out.append(Problem("expect.body.missing", sub, f"missing (expected {_shown(sub, value, False)})"))
            else:
                out.extend(body(value, actual[key], sub))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            shown = _shown(path, actual, False)
            return [Problem("expect.body.list", path, f"expected a list of {len(expected)}, got {shown}")]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in body(e, a, f"{path}[{i}]")]
    if expected != actual or type(expected) is not type(actual):
        shown = f"expected {_shown(path, expected, False)}, got {_shown(path, actual, False)}"
        return [Problem("expect.body.value", path, shown)]
    return []


def contains(value: Any, wanted: Any) -> bool:
    """Whether `wanted` is `value` or any value nested in it."""
    if value == wanted and type(value) is type(wanted):
        return True
    if isinstance(value, dict):
        return any(contains(v, wanted) for v in value.values())
    if isinstance(value, list):
        return any(contains(v, wanted) for v in value)
    return False


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
    event, seen = inbox.wait_for(name, lambda payload: contains(payload, about.value), timeout)
    if event is None:
        broken = [(e, lines(events.payload(message, e.payload))) for e in seen]
        broken = [(e, p) for e, p in broken if p]
        if broken:  # what arrived does not even conform: that is the finding, not the absence
            e, problems = broken[0]
            raise ContractViolation(
                f"{name} event on {e.queue} ({message.service} events), expected for {about.describe()}", problems
            )
        own = queue_name(message.queue, inbox.run)
        inbox.sweep()  # was it sent to another queue?
        elsewhere = [
            e for e in inbox.received if e.message == name and e.queue != own and contains(e.payload, about.value)
        ]
        arrived = "; ".join(_arrived(dataset, e) for e in seen) or "nothing"
        also = "".join(f"; it arrived on another queue, {e.queue}: {events.shown(e)}" for e in elsewhere)
        raise AssertionError(
            f"no {name} event for {about.describe()} arrived on {own} within {timeout:g}s (arrived: {arrived}){also}"
        )
    inbox.sweep_message(name)  # a duplicate already waiting is seen now, not after the scenario
    mentioning = [e for e in inbox.received if e.message == name and contains(e.payload, about.value)]
    if answered is not None:
        declared = [
            x
            for x in events.expected_events(answered, lambda m: queue_name(inbox.messages.get(m).queue, inbox.run))
            if x.message == name
        ]
        wanted = [x for x in declared if contains(x.payload, about.value)]
        event = next((e for e in mentioning if any(events.same(x.payload, e.payload) for x in wanted)), event)
    problems = lines(events.payload(message, event.payload))
    if problems:
        raise ContractViolation(f"{name} event on {event.queue} ({message.service} events)", problems)
    if answered is None:
        candidates = [
            ev["payload"]
            for case in dataset.cases.values()
            for ev in case.events
            if ev["message"] == name and contains(ev["payload"], about.value)
        ]
        if candidates and event.payload not in candidates:
            diffs = min((body(c, event.payload) for c in candidates), key=len)
            raise AssertionError(
                f"{name} event for {about.describe()} differs from the dataset:\n  " + "\n  ".join(lines(diffs))
            )
        _note_event(name, about, event)
        return
    arrivals = sum(1 for e in inbox.received if e.message == name and events.same(e.payload, event.payload))
    found = events.case_event(event, arrivals, wanted or declared, dataset, [c.ref for c in answered], body)
    if found:
        raise AssertionError(f"{name} event for {about.describe()}:\n  " + "\n  ".join(lines(found)))
    _note_event(name, about, event)


def _note_event(name: str, about: Expected, event: ReceivedEvent) -> None:
    _note(
        f"{name} event on {event.queue}",
        f"mentions {about.describe()}, as the dataset declares it",
        repr(event.payload),
        True,
    )


def _arrived(dataset: Dataset, event: ReceivedEvent) -> str:
    """An event as a miss lists it, with the dataset case(s) whose payload it is."""
    cases = events.cases_with(dataset, event.message, event.payload)
    return events.shown(event) + (f" (the payload of dataset case {', '.join(cases)})" if cases else "")


@check("expect.case")
def case_answer(obs: Observation, case: Case) -> list[Problem]:
    """The answer has the case's status, every field of its body, and every issue it lists."""
    problems = []
    if obs.status != case.status:
        said = obs.body.get("message") if isinstance(obs.body, dict) else None
        why = f" ({said})" if isinstance(said, str) and said else ""  # e.g. which credential a 401 wanted
        if obs.status == 400 and obs.zod_paths():
            why = f" (issues at {', '.join(obs.zod_paths())})"
        problems.append(Problem("expect.case.status", "status", f"expected {case.status}, got {obs.status}{why}"))
    if "body" in case.response:
        problems += body(case.response["body"], obs.body)
    for issue in case.response.get("issues") or []:
        want_path = ".".join(str(p) for p in issue.get("path", []))
        found = [
            i
            for i in (obs.body or {}).get("issues", [])
            if isinstance(obs.body, dict)
            and ".".join(str(p) for p in i.get("path", [])) == want_path
            and all(i.get(k) == v for k, v in issue.items() if k != "path")
        ]
        if not found:
            problems.append(
                Problem(
                    "expect.case.issue",
                    "issues",
                    f"expected an issue {issue} at {want_path or '$'}, got {obs.zod_paths()}",
                )
            )
    _note(
        f"{obs.label}: the answer against dataset case {case.ref} ({case.where})",
        f"status {case.status}"
        + (", the case's body" if "body" in case.response else "")
        + (
            f", issues at {[i.get('path') for i in case.response.get('issues') or []]}"
            if case.response.get("issues")
            else ""
        ),
        f"status {obs.status}"
        + (f"; {len(problems)} difference(s): " + "; ".join(lines(problems)) if problems else ", equal"),
        not problems,
    )
    return problems


def matches_case(obs: Observation, case: Case) -> None:
    problems = case_answer(obs, case)
    if problems:
        raise AssertionError(
            f"{obs.label}: the answer differs from dataset case {case.ref} ({case.where}):\n  "
            + "\n  ".join(lines(problems))
        )
