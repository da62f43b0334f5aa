"""OpenAPI contract checks: a request body and an answer against their operation.

The API layer checks every answer, the GUI capture every answer the web client got,
`odmd-bdd check` every example of the dataset; all through these two checks.
"""

from __future__ import annotations

from typing import Any

from odmd_bdd.checks.problems import Problem, check
from odmd_bdd.contracts.openapi import Operation, short_message


@check("contract.request")
def request(op: Operation, body: Any) -> list[Problem]:
    """Every way `body` breaks the operation's request schema, each at its JSON path (none for
    an optional body left out: None)."""
    if body is None and not op.request_required:
        return []
    return [Problem("contract.request.schema", e.json_path, e.message) for e in op.request_errors(body)]


NOT_AN_ANSWER = "(not an answer)"  # `content_type` of a body that never crossed the wire (a dataset example)


@check("contract.response")
def response(op: Operation, status: int, body: Any, content_type: str | None = NOT_AN_ANSWER) -> list[Problem]:
    """Every way the answer `status`/`body` breaks the operation's contract: an undeclared
    status, a missing or non-JSON content type where the contract declares content (`content_type`
    None: the answer had no Content-Type header), or (the first ten) schema errors at their JSON path."""
    if not op.responses:  # OpenAPI 3.1: `responses` is optional; an operation without it allows any answer
        return []
    key = op.response_key(status)
    if key is None:
        declared = ", ".join(op.declared_statuses())
        return [Problem("contract.response.status", "", f"status {status} is not declared (declared: {declared})")]
    if op.responses[key] is None:
        return []
    at = f"status {status}"
    if content_type is None:
        return [
            Problem(
                "contract.response.content_type",
                "",
                "no Content-Type header, where the contract declares application/json content",
                at,
            )
        ]
    if content_type != NOT_AN_ANSWER and "json" not in content_type.lower():
        return [
            Problem("contract.response.content_type", "", f"content type {content_type!r} is not application/json", at)
        ]
    return [
        Problem("contract.response.schema", e.json_path, short_message(e), at)
        for e in op.response_errors(key, body)[:10]
    ]
