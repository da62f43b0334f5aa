"""The seam every transport implements, and what it returns: one request/answer pair,
whatever carried it.

`Transport` is the protocol (`http`: httpx, direct; `sfn`: the BDD state machine);
`transports.factory.make_transport` picks one for an enver. The headers of a call are built
here and nowhere else: `call_headers` (the run, X-Odmd-Run, and the bearer token) by the
callers, `prepare` (Accept, Content-Type, the URL) by every transport.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import quote

from odmd_bdd.contracts import Operation
from odmd_bdd.names import RUN_HEADER
from odmd_bdd.reporting.redaction import Redactor


def call_headers(run: str | None, token: str | None = None) -> dict[str, str]:
    """The harness's headers of one call: its run (when it has one) and, given a token,
    `Authorization: Bearer <token>`."""
    headers = {RUN_HEADER: run} if run is not None else {}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    return headers


def prepare(
    base_url: str, op: Operation, body: Any, path_params: dict[str, str] | None, headers: dict[str, str] | None
) -> tuple[str, dict[str, str], bool]:
    """What every transport sends for one call: the URL (path parameters filled in, escaped),
    the headers, and whether a JSON body goes along."""
    path = op.path
    for name, value in (path_params or {}).items():
        path = path.replace("{" + name + "}", quote(str(value), safe=""))
    req_headers = {"Accept": "application/json", **(headers or {})}
    has_body = body is not None or op.request_validator is not None
    if has_body:
        req_headers["Content-Type"] = "application/json"
    return base_url.rstrip("/") + path, req_headers, has_body


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
        query: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one call of `op` (no answer at all raises `TransportError` / `ExecutionFailed`)."""
        ...

    def close(self) -> None:
        """Release what the transport holds (a connection pool); the transport is not used after."""
        ...
