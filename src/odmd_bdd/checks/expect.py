"""Comparisons used by Then-steps; each failure names the layer, operation, field and constant."""

from __future__ import annotations

from typing import Any

from odmd_bdd.actors import Observation
from odmd_bdd.checks import events
from odmd_bdd.checks.problems import lines
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.data.placeholders import Expected
from odmd_bdd.errors import ContractViolation
from odmd_bdd.events.sqs import EventInbox, queue_name
from odmd_bdd.reporting.redaction import MASK, SENSITIVE_KEY


def _shown(path: str, value: Any, secret: bool) -> str:
    return MASK if secret or SENSITIVE_KEY.search(path) else repr(value)


def field_equals(obs: Observation, path: str, expected: Expected) -> None:
    actual = obs.field(path)
    if actual != expected.value:
        raise AssertionError(
            f"{obs.label}: field {path}: expected {expected.describe()}, got {_shown(path, actual, expected.secret)}"
        )


def status_in(obs: Observation, allowed: range | tuple[int, ...], meaning: str) -> None:
    if obs.status not in allowed:
        detail = ""
        if isinstance(obs.body, dict) and ("message" in obs.body or "issues" in obs.body):
            detail = f" — {obs.body.get('message') or obs.body.get('issues')}"
        raise AssertionError(f"{obs.label}: expected {meaning}, got status {obs.status}{detail}")


def body_differences(expected: Any, actual: Any, path: str = "$") -> list[str]:
    """Every leaf of `expected` that `actual` lacks or has otherwise (extra fields are fine)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return [f"{path}: expected an object, got {type(actual).__name__}"]
        out = []
        for key, value in expected.items():
            sub = f"{path}.{key}"
            if key not in actual:
                out.append(f"{sub}: missing (expected {_shown(sub, value, False)})")
            else:
                out.extend(body_differences(value, actual[key], sub))
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return [f"{path}: expected a list of {len(expected)}, got {_shown(path, actual, False)}"]
        return [d for i, (e, a) in enumerate(zip(expected, actual)) for d in body_differences(e, a, f"{path}[{i}]")]
    if expected != actual or type(expected) is not type(actual):
        return [f"{path}: expected {_shown(path, expected, False)}, got {_shown(path, actual, False)}"]
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


def event_published(inbox: EventInbox, dataset: Dataset, name: str, about: Expected, timeout: float) -> None:
    """An event `name` mentioning `about` arrives within `timeout`, conforms to its AsyncAPI
    message, and equals the dataset's payload for it."""
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
        arrived = "; ".join(e.raw[:200] for e in seen) or "nothing"
        raise AssertionError(
            f"no {name} event for {about.describe()} arrived on "
            f"{queue_name(message.queue, inbox.run)} within {timeout:g}s (arrived: {arrived})"
        )
    problems = lines(events.payload(message, event.payload))
    if problems:
        raise ContractViolation(f"{name} event on {event.queue} ({message.service} events)", problems)
    candidates = [
        ev["payload"]
        for case in dataset.cases.values()
        for ev in case.events
        if ev["message"] == name and contains(ev["payload"], about.value)
    ]
    if candidates and event.payload not in candidates:
        diffs = min((body_differences(c, event.payload) for c in candidates), key=len)
        raise AssertionError(f"{name} event for {about.describe()} differs from the dataset:\n  " + "\n  ".join(diffs))


def matches_case(obs: Observation, case: Case) -> None:
    """The answer has the case's status, every field of its body, and every issue it lists."""
    problems = []
    if obs.status != case.status:
        problems.append(f"status: expected {case.status}, got {obs.status}")
    if "body" in case.response:
        problems += body_differences(case.response["body"], obs.body)
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
            problems.append(f"issues: expected an issue {issue} at {want_path or '$'}, got {obs.zod_paths()}")
    if problems:
        raise AssertionError(
            f"{obs.label}: the answer differs from dataset case {case.ref} ({case.where}):\n  " + "\n  ".join(problems)
        )
