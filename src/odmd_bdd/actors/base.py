"""The vocabulary shared by every layer: actions in, observations out."""

from __future__ import annotations

import copy
import uuid
from dataclasses import dataclass, field
from typing import Any, Protocol

from odmd_bdd.checks.phase0 import Phase0Answer
from odmd_bdd.data import jsonpath
from odmd_bdd.data.dataset import Case
from odmd_bdd.transports import RUN_HEADER as RUN_HEADER  # re-exported: the GUI capture reads it here
from odmd_bdd.transports import Exchange

SESSION = "session"  # use the token of the scenario's session
NO_AUTH = None  # send no Authorization header


@dataclass
class Action:
    """One call of a service operation, in domain terms."""

    service: str
    operation: str
    body: Any = None
    path: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, Any] = field(default_factory=dict)  # header parameters (not credentials)
    auth: str | None = SESSION  # SESSION, NO_AUTH, or an explicit bearer token
    case: str | None = None  # the dataset case it was built from, for messages

    @classmethod
    def from_case(cls, case: Case, *, auth: str | None = SESSION, **overrides: Any) -> Action:
        """The case's request; each override replaces the path parameter of that name if the
        case has one, else the top-level body field."""
        path = dict(case.request.get("path") or {})
        body = copy.deepcopy(case.request.get("body"))  # the action's own: nothing sent changes the dataset
        body_overrides = {}
        for name, value in overrides.items():
            if name in path:
                path[name] = value
            else:
                body_overrides[name] = value
        if body_overrides:
            body = {**(body or {}), **body_overrides}
        return cls(
            service=case.service,
            operation=case.operation,
            body=body,
            path=path,
            query=dict(case.request.get("query") or {}),
            headers=dict(case.request.get("headers") or {}),
            auth=auth,
            case=case.ref,
        )

    def header_fields(self, op: Any) -> dict[str, str]:
        """The header parameters as sent: each spelled by its parameter's style (text as given)."""
        out = {}
        for name, value in self.headers.items():
            param = next((p for p in op.parameters if p.location == "header" and p.name.lower() == name.lower()), None)
            written = param.write(value) if param is not None else value
            out[name] = written if isinstance(written, str) else str(value)
        return out

    @property
    def label(self) -> str:
        return f"{self.service} {self.operation}" + (f" ({self.case})" if self.case else "")


@dataclass
class Observation:
    """What a layer saw after an action: the answer's status and fields."""

    layer: str
    action: Action
    status: int
    body: Any
    exchanges: list[Exchange] = field(default_factory=list)
    expected: Phase0Answer | None = None  # what a Phase 0 mock answers here (envers with answers: full)

    @property
    def label(self) -> str:
        return f"[{self.layer}] {self.action.label}"

    def field(self, path: str) -> Any:
        try:
            return jsonpath.get(self.body, path)
        except KeyError:
            fields = ", ".join(self.body) if isinstance(self.body, dict) else type(self.body).__name__
            raise AssertionError(
                f"{self.label}: the answer (status {self.status}) has no field {path!r}; it has: {fields}"
            ) from None

    def zod_paths(self) -> list[str]:
        """The dotted paths of the Zod issues of a 400 answer."""
        issues = self.body.get("issues", []) if isinstance(self.body, dict) else []
        return [".".join(str(p) for p in issue.get("path", [])) for issue in issues]


class World:
    """Per-scenario state shared by the steps: the session and every answer so far."""

    def __init__(self, run_id: str | None = None) -> None:
        # Sent as X-Odmd-Run with every request, so a mock enver can keep this run's state apart.
        self.run_id = run_id or uuid.uuid4().hex[:16]
        self.session_token: str | None = None
        self.answers: list[Observation] = []
        self.answered_cases: set[str] = set()  # the dataset cases a mock has answered in this run
        # each answer a mock gave from a dataset case, in order (a case answered twice is here twice);
        # None where the enver's answers are not computed (answers: named)
        self.case_answers: list[Case] | None = None
        self.not_checked: list[str] = []  # what a step could not check here (e.g. events without a bus)

    def __repr__(self) -> str:
        return f"<World: {len(self.answers)} answers, session={'yes' if self.session_token else 'no'}>"

    @property
    def last(self) -> Observation:
        if not self.answers:
            raise AssertionError("no action has been performed yet in this scenario, so there is no answer to check")
        return self.answers[-1]


class Actor(Protocol):
    layer: str

    def perform(self, action: Action) -> Observation: ...
