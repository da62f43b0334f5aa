"""What every check reports: typed problems, never message strings that other code parses back.

A check is a small named function registered with `@check("name")`; it returns a list of
`Problem`s (empty: nothing wrong). Each problem carries a stable `code` (the check's name, or a
finer `name.detail`), `where` it is (a JSON path, a GUI element, a `file:line`) and a human
`message`. Callers that need structure read the fields; callers that print use `str(problem)`.
An optional `context` names what `where` is inside of (a response's status, an operation), so
the printed line reads outside-in: `context: where: message`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, TypeVar


@dataclass(frozen=True)
class Problem:
    """One thing a check found wrong."""

    code: str  # the check's name ("contract.response"), or "name.detail" ("contract.response.status")
    where: str  # a JSON path ("$.profile.email"), an element ("answer-field[email]"), a file; "" if none
    message: str  # what is wrong, for a person: "expected 'a', got 'b'"
    context: str = ""  # what `where` is inside of: "status 201", "key-service registerKey: status 201"
    line: int = 0  # for a problem in a text file (`where` is its path): the line; 0 if none

    def __str__(self) -> str:
        where = f"{self.where}:{self.line}" if self.line else self.where
        return ": ".join(part for part in (self.context, where, self.message) if part)

    def within(self, context: str) -> Problem:
        """The same problem, seen from outside `context` (prefixed to any context it has)."""
        return replace(self, context=f"{context}: {self.context}" if self.context else context)


CheckFn = TypeVar("CheckFn", bound=Callable[..., list[Problem]])
REGISTRY: dict[str, Callable[..., list[Problem]]] = {}


def check(name: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `name` (unique across the package)."""

    def register(fn: CheckFn) -> CheckFn:
        if name in REGISTRY and REGISTRY[name] is not fn:
            raise ValueError(f"check {name!r} is registered twice ({REGISTRY[name].__module__}, {fn.__module__})")
        REGISTRY[name] = fn
        return fn

    return register


def lines(problems: Iterable[Problem]) -> list[str]:
    """The problems as one text line each, in order."""
    return [str(problem) for problem in problems]


def in_file_order(problems: Iterable[Problem]) -> list[Problem]:
    """Each problem once, sorted by where, line and message: the order `file:line: message`
    reports print in (two problems at the same place with the same message are said once)."""
    unique: dict[tuple[str, int, str], Problem] = {}
    for problem in problems:
        unique.setdefault((problem.where, problem.line, problem.message), problem)
    return [unique[key] for key in sorted(unique)]


def registered() -> dict[str, Any]:
    """Name -> check function, for `odmd-bdd steps`-like listings and tests."""
    return dict(REGISTRY)
