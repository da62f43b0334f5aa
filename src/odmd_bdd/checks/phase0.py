"""The Phase 0 answer rule: what a mock enver answers to a request, and from which dataset case.

The embedded enver answers by this rule, and the harness checks every answer of a mock or local
enver against it (checks.whole_answer), so both sides compute the same expectation from the
same contracts and dataset, each from its own copy.

Per request: the operation's security requirements (401) → its parameters, read by style and
schema, and its body, validated (400, Zod issues) → dataset
case (its status and body; 404 when no case matches). A case matches when every field its request names is present and equal in the actual
request (extra fields in the request are allowed) and every case it comes `after` has been
answered earlier in the same run. A case with `after` wins over one without; then the case
naming the most fields; ties go to the case defined first. A `fallback` case answers when
nothing else matches.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from http.cookies import CookieError, SimpleCookie
from typing import Any

from jsonschema import ValidationError

from odmd_bdd.contracts import Operation, zod_issues
from odmd_bdd.contracts.parameters import Parameter
from odmd_bdd.contracts.security import Credentials, unsatisfied
from odmd_bdd.data.dataset import Case

MALFORMED = object()  # a request body that is not JSON


@dataclass
class Phase0Answer:
    """What a Phase 0 mock service answers: status, body, and the case it came from (None for a
    401, a 400 from validation, or a 404 when no case matches)."""

    status: int
    body: Any
    case: Case | None = None

    @property
    def issues(self) -> list[dict[str, Any]]:
        return list(self.body.get("issues", [])) if isinstance(self.body, dict) and self.status == 400 else []


def _error(status: int, error: str, message: str) -> Phase0Answer:
    return Phase0Answer(status, {"error": error, "message": message})


def answer(
    op: Operation,
    cases: list[Case],
    tokens: Credentials | set[str] | frozenset[str],
    headers: dict[str, str],
    body: Any,
    path_params: dict[str, str],
    query: Mapping[str, str] | Sequence[tuple[str, str]],
    answered: set[str] | frozenset[str] = frozenset(),
    null_sent: bool = False,
) -> Phase0Answer:
    """The answer of a Phase 0 mock service to one request (pure). `headers` have lower-case
    names; `body` is the parsed JSON body (the text of a text/plain one), None for none, or
    MALFORMED; `null_sent`: the None is a JSON `null` the request sent, not a body left out;
    `path_params` and `query` are the request's strings; `tokens` the valid credentials (a set:
    the valid bearer tokens for every scheme)."""
    pairs = list(query.items()) if isinstance(query, Mapping) else list(query)
    cookies = parse_cookies(headers.get("cookie", ""))
    refusal = unauthorized(op, Credentials.of(tokens), headers, dict(pairs), cookies)
    if refusal is not None:
        return _error(401, "unauthorized", refusal)
    values, problems = op.read_parameters(path_params, pairs, headers, cookies)
    issues = parameter_issues(problems)
    if op.request_validator is not None and not (body is None and not null_sent and not op.request_required):
        # an optional body left out is not checked against its schema (a `null` sent is)
        if body is MALFORMED:
            issues.append({"code": "custom", "path": [], "message": "Malformed JSON body"})
        else:
            issues += zod_issues(op.request_errors(body))
    elif not op.has_body or body is MALFORMED:
        body = None
    if issues:
        return _zod(issues)
    request = {"body": body, "path": values["path"], "query": values["query"], "headers": values["header"]}
    case = choose_case(cases, request, answered)
    if case is None:
        return _error(404, "not_found", f"{op.label}: the mock dataset has no case for this request")
    return Phase0Answer(case.status, copy.deepcopy(case.response.get("body")), case)


def unauthorized(
    op: Operation,
    credentials: Credentials,
    headers: Mapping[str, str],
    query: Mapping[str, str],
    cookies: Mapping[str, str],
) -> str | None:
    """Why the request's credentials satisfy none of the operation's security requirements (None: they do)."""
    return unsatisfied(
        op.security,
        lambda scheme: credentials.accepts(op.service, scheme, scheme.presented(headers, query, cookies)),
    )


def parse_cookies(header: str) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(header)
    except CookieError:
        return {}
    return {k: m.value for k, m in jar.items()}


def parameter_issues(problems: list[tuple[Parameter, ValidationError | None]]) -> list[dict[str, Any]]:
    """Zod issues of parameters that are missing or break their schemas, each under the
    parameter's name (as Zod validating `req.params` / `req.query` names it)."""
    issues: list[dict[str, Any]] = []
    for p, err in problems:
        if err is None:
            types = [t for t in ([p.schema.get("type")] if isinstance(p.schema, dict) else []) if isinstance(t, str)]
            expected = {"integer": "number"}.get(types[0], types[0]) if types else "string"
            issues.append(
                {
                    "code": "invalid_type",
                    "expected": expected,
                    "received": "undefined",
                    "path": [p.name],
                    "message": "Required",
                }
            )
            continue
        for issue in zod_issues([err]):
            issues.append({**issue, "path": [p.name, *issue["path"]]})
    return issues


def _zod(issues: list[dict[str, Any]]) -> Phase0Answer:
    return Phase0Answer(400, {"name": "ZodError", "issues": issues})


def subset_score(expected: Any, actual: Any) -> int | None:
    """How many leaf values of `expected` equal those in `actual`; None on any mismatch."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return None
        total = 0
        for key, value in expected.items():
            if key not in actual:
                return None
            score = subset_score(value, actual[key])
            if score is None:
                return None
            total += score
        return total
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(expected) != len(actual):
            return None
        total = 0
        for e, a in zip(expected, actual):
            score = subset_score(e, a)
            if score is None:
                return None
            total += score
        return total
    return 1 if expected == actual and type(expected) is type(actual) else None


def choose_case(
    cases: list[Case], request: dict[str, Any], answered: set[str] | frozenset[str] = frozenset()
) -> Case | None:
    best: tuple[tuple[int, int], Case] | None = None
    fallback = None
    for case in cases:
        if not case.served or not all(ref in answered for ref in case.after):
            continue
        if case.fallback and fallback is None:
            fallback = case
        score = subset_score(case.request, request)
        if score is None:
            continue
        rank = (len(case.after), score)
        if best is None or rank > best[0]:
            best = (rank, case)
    if best is not None:
        return best[1]
    return fallback
