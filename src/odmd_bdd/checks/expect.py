"""Comparisons used by Then-steps, as registered checks (`expect.*`) returning Problems, and
the step helpers that raise them; each failure names the layer, operation, field and constant.
The wait for a published event, which compares through `body` here, is `events.published`."""

from __future__ import annotations

from typing import Any, Protocol

from odmd_bdd.checks.problems import Problem, check, lines
from odmd_bdd.data.dataset import Case
from odmd_bdd.data.placeholders import Expected
from odmd_bdd.redaction import MASK, SENSITIVE_KEY


class Observed(Protocol):
    """What the checks read of an answer a layer observed (actors.Observation)."""

    @property
    def label(self) -> str: ...
    @property
    def status(self) -> int: ...
    @property
    def body(self) -> Any: ...
    def field(self, path: str) -> Any: ...
    def zod_paths(self) -> list[str]: ...


def _shown(path: str, value: Any, secret: bool) -> str:
    return MASK if secret or SENSITIVE_KEY.search(path) else repr(value)


# What the Then-step being run compared, passed or not: the report attaches it to the step
# (harness.allure_report). One process runs one step at a time; `take_compared` empties it.
_COMPARED: list[dict[str, Any]] = []


def note(what: str, expected: str, actual: str, ok: bool) -> None:
    """Record a comparison for the report (what, expected, actual, whether it held), masked by the caller."""
    _COMPARED.append({"what": what, "expected": expected, "actual": actual, "ok": ok})


def take_compared() -> list[dict[str, Any]]:
    """The comparisons made since the last call (each: what, expected, actual, ok), masked."""
    taken = list(_COMPARED)
    _COMPARED.clear()
    return taken


@check("expect.field")
def field(obs: Observed, path: str, expected: Expected) -> list[Problem]:
    """The answer's field `path` (dotted) holds the expected value."""
    actual = obs.field(path)
    shown = _shown(path, actual, expected.secret)
    note(f"{obs.label}: field {path}", expected.describe(), shown, actual == expected.value)
    if actual == expected.value:
        return []
    return [Problem("expect.field", f"field {path}", f"expected {expected.describe()}, got {shown}", obs.label)]


def field_equals(obs: Observed, path: str, expected: Expected) -> None:
    problems = field(obs, path, expected)
    if problems:
        raise AssertionError(str(problems[0]))


@check("expect.status")
def status(obs: Observed, allowed: range | tuple[int, ...], meaning: str) -> list[Problem]:
    """The answer's status is one of `allowed` (`meaning` says what that is, for the message)."""
    shown = f"{allowed.start}-{allowed.stop - 1}" if isinstance(allowed, range) else "/".join(map(str, allowed))
    note(f"{obs.label}: status", f"{shown} ({meaning})", str(obs.status), obs.status in allowed)
    if obs.status in allowed:
        return []
    detail = ""
    if isinstance(obs.body, dict) and ("message" in obs.body or "issues" in obs.body):
        detail = f" — {obs.body.get('message') or obs.body.get('issues')}"
    return [Problem("expect.status", "", f"expected {meaning}, got status {obs.status}{detail}", obs.label)]


def status_in(obs: Observed, allowed: range | tuple[int, ...], meaning: str) -> None:
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


@check("expect.case")
def case_answer(obs: Observed, case: Case) -> list[Problem]:
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
    note(
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


def matches_case(obs: Observed, case: Case) -> None:
    problems = case_answer(obs, case)
    if problems:
        raise AssertionError(
            f"{obs.label}: the answer differs from dataset case {case.ref} ({case.where}):\n  "
            + "\n  ".join(lines(problems))
        )
