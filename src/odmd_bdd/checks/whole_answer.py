"""The whole answer, always: an answer compared in full with what the Phase 0 rule expects.

`answer` compares one observed answer (status and body) with a `Phase0Answer`: the status;
for an answer from a dataset case, every body field both ways (a missing field, a different
value or type, an undeclared extra field), fields the case declares under `matchers` by their
matcher; for a 400, the Zod issues by path and code. Each problem names the JSON path, the
expected constant and value, the actual value and, when the actual value is a constant's,
that constant ("got ${GRANDCHILD_ENTITY_ID}"). Secret values are never shown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from odmd_bdd.checks.phase0 import Phase0Answer
from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.data.matchers import compile_matcher
from odmd_bdd.data.placeholders import WHOLE_RE, Constants

MASK = "***"


class ValueNames:
    """Which constants a value is, and how to show a value without leaking a secret."""

    def __init__(self, constants: Constants, secret_paths: Callable[[str], object] = lambda path: False):
        self.constants = constants
        self.secret_paths = secret_paths
        self._names: dict[tuple[type, Any], list[str]] = {}
        for name, value in constants.items():
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and value != "":
                self._names.setdefault((type(value), value), []).append(name)

    def names(self, value: Any) -> list[str]:
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            return []
        return self._names.get((type(value), value), [])

    def secret(self, path: str, value: Any, names: Iterable[str] = ()) -> bool:
        return bool(self.secret_paths(path)) or any(self.constants.is_secret(n) for n in [*names, *self.names(value)])

    def actual(self, path: str, value: Any) -> str:
        names = self.names(value)
        shown = MASK if self.secret(path, value) else _repr(value)
        return shown + (f" ({', '.join(f'${{{n}}}' for n in names)})" if names else "")

    def expected(self, path: str, value: Any, template: Any) -> str:
        whole = WHOLE_RE.match(template) if isinstance(template, str) else None
        name = whole.group(1) if whole else None
        if self.secret(path, value, [name] if name else []):
            return f"${{{name}}} (value redacted)" if name else MASK
        if name:
            return f"${{{name}}} = {_repr(value)}"
        if isinstance(template, str) and template != value:
            return f"{_repr(value)} ({template})"
        return _repr(value)


def _repr(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


_ABSENT = object()


def _at(template: Any, key: Any) -> Any:
    if isinstance(template, dict):
        return template.get(key, _ABSENT)
    if isinstance(template, list) and isinstance(key, int) and key < len(template):
        return template[key]
    return _ABSENT


def _dotted(path: str) -> str:
    return path[2:] if path.startswith("$.") else path.lstrip("$")


@check("answer.body")
def body(
    expected: Any, actual: Any, names: ValueNames, template: Any = _ABSENT, matchers: dict[str, str] | None = None
) -> list[Problem]:
    """Every field of `expected` in `actual` with the same value and type, and no other field."""
    matchers = matchers or {}
    out: list[Problem] = []

    def walk(exp: Any, act: Any, tpl: Any, path: str) -> None:
        matcher = matchers.get(_dotted(path))
        if matcher is not None:
            if not compile_matcher(matcher)(act):
                out.append(Problem("answer.body.matcher", path, f"expected {matcher}, got {names.actual(path, act)}"))
            return
        if isinstance(exp, dict):
            if not isinstance(act, dict):
                out.append(Problem("answer.body.type", path, f"expected an object, got {names.actual(path, act)}"))
                return
            for key, value in exp.items():
                sub = f"{path}.{key}"
                if key not in act:
                    if _dotted(sub) in matchers:
                        out.append(Problem("answer.body.missing", sub, f"missing (expected {matchers[_dotted(sub)]})"))
                    else:
                        shown = names.expected(sub, value, _at(tpl, key))
                        out.append(Problem("answer.body.missing", sub, f"missing (expected {shown})"))
                else:
                    walk(value, act[key], _at(tpl, key), sub)
            for key in act:
                if key not in exp:
                    sub = f"{path}.{key}"
                    out.append(
                        Problem(
                            "answer.body.extra", sub, f"not in the case's answer, got {names.actual(sub, act[key])}"
                        )
                    )
            return
        if isinstance(exp, list):
            if not isinstance(act, list) or len(act) != len(exp):
                got = f"a list of {len(act)}" if isinstance(act, list) else names.actual(path, act)
                out.append(Problem("answer.body.list", path, f"expected a list of {len(exp)}, got {got}"))
                return
            for i, (e, a) in enumerate(zip(exp, act)):
                walk(e, a, _at(tpl, i), f"{path}[{i}]")
            return
        if exp != act or type(exp) is not type(act):
            shown = names.expected(path, exp, tpl)
            out.append(Problem("answer.body.value", path, f"expected {shown}, got {names.actual(path, act)}"))

    walk(expected, actual, template, "$")
    return out


def _issue_keys(issues: Any) -> set[tuple[str, str]]:
    if not isinstance(issues, list):
        return set()
    return {
        (".".join(str(p) for p in i.get("path", [])) or "$", str(i.get("code", "")))
        for i in issues
        if isinstance(i, dict)
    }


@check("answer.whole")
def answer(status: int, actual: Any, expected: Phase0Answer, names: ValueNames) -> list[Problem]:
    """The observed answer is the answer the Phase 0 rule expects: status, body, issues."""
    case = expected.case
    if status != expected.status:
        why = f"dataset case {case.ref}" if case else _why(expected)
        return [Problem("answer.status", "status", f"expected {expected.status} ({why}), got {status}")]
    if case is not None:
        return body(expected.body, actual, names, case.template.get("body", _ABSENT), case.matchers)
    if expected.status == 400:
        want = _issue_keys(expected.issues)
        got = _issue_keys(actual.get("issues") if isinstance(actual, dict) else None)
        out = [
            Problem("answer.issues.missing", f"issues[{p}]", f"expected an issue {c}, not reported")
            for p, c in sorted(want - got)
        ]
        out += [
            Problem("answer.issues.extra", f"issues[{p}]", f"an issue {c} the request does not have")
            for p, c in sorted(got - want)
        ]
        return out
    return []


def _why(expected: Phase0Answer) -> str:
    if expected.status == 401:
        return "the request's credentials are missing or invalid"
    if expected.status == 400:
        return "the request does not conform to the contract"
    if expected.status == 404:
        return "no dataset case matches the request"
    return "the Phase 0 rule"
