"""The seam every transport implements, and what it returns: one request/answer pair,
whatever carried it.

`Transport` is the protocol (`http`: httpx, direct; `sfn`: the BDD state machine);
`transports.factory.make_transport` picks one for an enver. The headers of a call are built
here and nowhere else: `call_headers` (the run, X-Odmd-Run, and the bearer token) and `call_auth`
(the credentials an operation's security schemes ask for) by the callers, `prepare` (Accept,
Content-Type, the URL with its parameters) by every transport.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote, urlencode

from odmd_bdd.contracts import Operation
from odmd_bdd.contracts.openapi import is_text
from odmd_bdd.contracts.parameters import spell
from odmd_bdd.contracts.security import presentation
from odmd_bdd.names import RUN_HEADER
from odmd_bdd.redaction import Redactor


def call_headers(run: str | None, token: str | None = None) -> dict[str, str]:
    """The harness's headers of one call: its run (when it has one) and, given a token,
    `Authorization: Bearer <token>`."""
    headers = {RUN_HEADER: run} if run is not None else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def call_auth(
    op: Operation, credentials: Mapping[str, str], token: str | None, *, instead: bool = False
) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """The headers and query pairs that present a caller's credentials to `op`, as its security
    requirements declare them (the first alternative the caller has every credential of):
    `credentials` are the caller's per scheme (the constellation's mock credentials), `token` its
    session token, which stands for any scheme without one of its own; `instead`: `token` is
    presented for every scheme (a wrong credential). An operation that declares no security gets
    `token` as a bearer token, as before schemes were read. A cookie goes as a Cookie header."""
    if token is None and instead:
        return {}, []
    if not op.security:
        return ({"Authorization": f"Bearer {token}"} if token is not None else {}), []
    shown = presentation(op.security, lambda s: token if instead else credentials.get(s.name, token))
    if shown is None:
        return {}, []
    headers, query, cookies = shown
    if cookies:
        headers = {**headers, "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())}
    return headers, query


def query_pairs(op: Operation, query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None) -> list[tuple[str, str]]:
    """A call's query as the operation's parameters spell it (style/explode; a list per `form`)."""
    items = list(query.items()) if isinstance(query, Mapping) else list(query or [])
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        param = op.parameter("query", name)
        if param is not None:
            written = param.write(value)
            pairs += written if isinstance(written, list) else [(name, written)]
        elif isinstance(value, list):
            pairs += [(name, spell(v)) for v in value]
        else:
            pairs.append((name, spell(value)))
    return pairs


def encode_body(op: Operation, body: Any) -> bytes:
    """A request body as its media type carries it: the text of a text/plain body, else JSON."""
    if is_text(op.request_media) and isinstance(body, str):
        return body.encode("utf-8")
    return json.dumps(body).encode()


def prepare(
    base_url: str,
    op: Operation,
    body: Any,
    path_params: dict[str, Any] | None,
    headers: dict[str, str] | None,
    query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
) -> tuple[str, dict[str, str], bool]:
    """What every transport sends for one call: the URL (path parameters filled in as their
    style spells them, escaped; the query, when given), the headers, and whether a body goes along."""
    path = op.path
    for name, value in (path_params or {}).items():
        param = op.parameter("path", name)
        written = param.write(value) if param is not None else spell(value)
        text = written if isinstance(written, str) else ",".join(v for _, v in written)
        path = path.replace("{" + name + "}", quote(text, safe=",;=."))
    req_headers = {"Accept": "application/json", **(headers or {})}
    has_body = body is not None or op.has_body
    if has_body:
        req_headers["Content-Type"] = op.request_media if op.request_media and not op.json_body else "application/json"
    url = base_url.rstrip("/") + path
    pairs = query_pairs(op, query) if query else []
    if pairs:
        url += "?" + urlencode(pairs)
    return url, req_headers, has_body


@dataclass
class Exchange:
    service: str
    operation_id: str
    method: str
    url: str
    request_headers: dict[str, str]
    request_body: Any
    status: int
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: Any = None  # parsed JSON, or the raw text when it is not JSON
    content_type: str | None = None
    elapsed_ms: float = 0.0
    transport: str = "http"

    @property
    def label(self) -> str:
        return f"{self.service} {self.operation_id}"

    def redacted(self, redactor: Redactor) -> dict[str, Any]:
        """A JSON-ready record of the exchange with every credential masked."""
        return {
            "operation": self.label,
            "transport": self.transport,
            "request": {
                "method": self.method,
                "url": redactor.text(self.url),
                "headers": redactor.headers(self.request_headers),
                "body": redactor.json(self.request_body),
            },
            "response": {
                "status": self.status,
                "headers": redactor.headers(self.response_headers),
                "body": redactor.json(self.response_body),
            },
            "elapsed_ms": round(self.elapsed_ms, 1),
        }


class Transport(Protocol):
    """How the API layer and the checkpoint reach a service: one call out, one `Exchange` back."""

    name: str  # "http" | "sfn", recorded in every exchange

    def send(
        self,
        base_url: str,
        op: Operation,
        *,
        body: Any = None,
        path_params: dict[str, str] | None = None,
        query: Mapping[str, Any] | Sequence[tuple[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one call of `op` (no answer at all raises `TransportError` / `ExecutionFailed`)."""
        ...

    def close(self) -> None:
        """Release what the transport holds (a connection pool); the transport is not used after."""
        ...
