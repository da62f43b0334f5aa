"""What every transport returns: one request/answer pair, whatever carried it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from odmd_bdd.contracts import Operation
from odmd_bdd.reporting.redaction import Redactor


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
