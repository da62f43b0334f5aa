"""The master mock dataset: constants plus, per use case, the exact exchanges of each step.

Loaded once per process and shared by the embedded enver, the steps and both layers, so no
expected value is ever written twice.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from odmd_bdd.data.matchers import compile_matcher
from odmd_bdd.data.placeholders import Constants
from odmd_bdd.data.yamlfile import load_with_nodes
from odmd_bdd.errors import ConstantError, DatasetError

AUTH_MODES = ("session", "none", "wrong")


@dataclass(frozen=True, repr=False)
class Case:
    """One exchange of the dataset: a use-case step or one of its error cases."""

    ref: str  # "UC1.login"
    kind: str  # "step" | "error"
    service: str
    operation: str
    request: dict[str, Any]  # {"body": ..., "path": {...}, "query": {...}, "headers": {...}}
    response: dict[str, Any]  # {"status": int, "body": ..., "issues": [...]}
    auth: str = "session"
    fallback: bool = False
    after: tuple[str, ...] = ()  # cases that must have been answered earlier in the same run
    events: tuple[dict[str, Any], ...] = ()  # [{"message": name, "payload": {...}}]
    where: str = ""  # file:line of the case, for messages
    template: dict[str, Any] = field(default_factory=dict)  # the response as written: ${NAME}s unresolved
    matchers: dict[str, str] = field(default_factory=dict)  # body field (dotted) -> matcher name

    def __repr__(self) -> str:
        return f"<Case {self.ref}>"

    @property
    def status(self) -> int:
        return int(self.response["status"])

    @property
    def served(self) -> bool:
        """A case with a response body is answered by a mock enver; one without only
        states what a client must observe (a 400 from validation, a 401 from auth)."""
        return "body" in self.response


@dataclass(repr=False)
class Dataset:
    path: Path
    constants: Constants
    titles: dict[str, str]
    cases: dict[str, Case] = field(default_factory=dict)
    journeys: dict[str, list[str]] = field(default_factory=dict)  # use case -> case refs in order

    def __repr__(self) -> str:  # short: Allure records step arguments by repr
        return f"<Dataset {self.path.name}: {len(self.constants)} constants, {len(self.cases)} cases>"

    def case(self, ref: str) -> Case:
        try:
            return self.cases[ref]
        except KeyError:
            close = difflib.get_close_matches(ref, list(self.cases), n=1)
            hint = f" — did you mean {close[0]}?" if close else ""
            raise DatasetError(f"{self.path}: no dataset case {ref}{hint}") from None

    def cases_for(self, service: str, operation: str) -> list[Case]:
        return [c for c in self.cases.values() if c.service == service and c.operation == operation]

    @classmethod
    def load(cls, path: str | Path) -> Dataset:
        path = Path(path).resolve()
        return _load_cached(path, path.stat().st_mtime_ns if path.exists() else 0)


@lru_cache(maxsize=8)
def _load_cached(path: Path, _mtime: int) -> Dataset:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DatasetError(f"cannot read the master mock dataset {path}: {exc.strerror}") from None
    try:
        raw, root = load_with_nodes(text)
        lines = _line_index(root)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f":{mark.line + 1}" if mark else ""
        raise DatasetError(f"{path}{line}: invalid YAML: {exc.problem}") from None
    if not isinstance(raw, dict) or "constants" not in raw:
        raise DatasetError(f"{path}: the dataset must be a mapping with 'constants' and 'use_cases'")
    try:
        secrets = raw.get("secrets") or []
        if not isinstance(secrets, list) or not all(isinstance(name, str) for name in secrets):
            at = lines.get(("secrets",), 0)
            raise DatasetError(f"{path}:{at}: `secrets` is a list of constant names")
        constants = Constants(raw.get("constants") or {}, source=str(path), secrets=secrets)
    except ConstantError as exc:
        raise DatasetError(str(exc)) from None

    ds = Dataset(path=path, constants=constants, titles={})
    for uc, body in (raw.get("use_cases") or {}).items():
        ds.titles[uc] = str((body or {}).get("title", uc))
        for kind, section in (("step", "steps"), ("error", "errors")):
            for name, spec in ((body or {}).get(section) or {}).items():
                where = f"{path}:{lines.get(('use_cases', uc, section, name), 0)}"
                ds.cases[f"{uc}.{name}"] = _case(f"{uc}.{name}", kind, spec, constants, where)
        if (body or {}).get("journey"):
            ds.journeys[uc] = [str(ref) for ref in body["journey"]]
    for case in ds.cases.values():
        for ref in case.after:
            if ref not in ds.cases:
                raise DatasetError(
                    f"{case.where}: case {case.ref} comes after {ref}, which the dataset does not define"
                )
    for uc, refs in ds.journeys.items():
        for ref in refs:
            if ref not in ds.cases:
                at = lines.get(("use_cases", uc, "journey"), 0)
                raise DatasetError(f"{path}:{at}: the journey of {uc} names {ref}, which the dataset does not define")
    return ds


def _case(ref: str, kind: str, spec: Any, constants: Constants, where: str) -> Case:
    if not isinstance(spec, dict):
        raise DatasetError(f"{where}: case {ref} must be a mapping")
    missing = [k for k in ("service", "operation", "request", "response") if k not in spec]
    if missing:
        raise DatasetError(f"{where}: case {ref} lacks {', '.join(missing)}")
    auth = spec.get("auth", "session")
    if auth not in AUTH_MODES:
        raise DatasetError(f"{where}: case {ref}: auth must be one of {', '.join(AUTH_MODES)}, not {auth!r}")
    response = spec["response"] or {}
    if not isinstance(response.get("status"), int):
        raise DatasetError(f"{where}: case {ref}: response.status must be an HTTP status code")
    matchers = response.get("matchers") or {}
    if not isinstance(matchers, dict):
        raise DatasetError(f"{where}: case {ref}: response.matchers maps body fields (dotted) to matcher names")
    for dotted, name in matchers.items():
        try:
            compile_matcher(name)
        except ValueError as exc:
            raise DatasetError(f"{where}: case {ref}: response.matchers.{dotted}: {exc}") from None
    events = spec.get("events") or []
    if not isinstance(events, list) or not all(
        isinstance(e, dict) and "message" in e and "payload" in e for e in events
    ):
        raise DatasetError(f"{where}: case {ref}: events must be a list of {{message, payload}}")
    try:
        request = constants.substitute(spec["request"] or {}, where=f"{where}: {ref}.request")
        response = constants.substitute(
            {k: v for k, v in response.items() if k != "matchers"}, where=f"{where}: {ref}.response"
        )
        events = constants.substitute(events, where=f"{where}: {ref}.events")
    except ConstantError as exc:
        raise DatasetError(str(exc)) from None
    return Case(
        ref=ref,
        kind=kind,
        service=spec["service"],
        operation=spec["operation"],
        request=request,
        response=response,
        auth=auth,
        fallback=bool(spec.get("fallback", False)),
        after=tuple(spec.get("after") or ()),
        events=tuple(events),
        where=where,
        template={k: v for k, v in (spec["response"] or {}).items() if k != "matchers"},
        matchers={str(k): str(v) for k, v in matchers.items()},
    )


def _line_index(node: yaml.Node | None, prefix: tuple = ()) -> dict[tuple, int]:
    """Map each mapping key path (as a tuple) to its 1-based line in the file."""
    out: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = prefix + (key.value,)
            out[path] = key.start_mark.line + 1
            out.update(_line_index(value, path))
    return out
