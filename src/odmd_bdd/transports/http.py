"""The direct HTTP transport: one pooled httpx client per test session."""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote

import httpx

from ..contracts import Operation
from ..errors import TransportError
from .base import Exchange


class HttpTransport:
    name = "http"

    def __init__(self, timeout: float = 10.0, connect_timeout: float = 3.0):
        self.timeout = timeout
        # trust_env=False: no proxy or netrc from the environment may reroute test traffic.
        self.client = httpx.Client(timeout=httpx.Timeout(timeout, connect=connect_timeout), trust_env=False,
                                   limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
                                   follow_redirects=False)

    def send(self, base_url: str, op: Operation, *, body: Any = None, path_params: dict[str, str] | None = None,
             query: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Exchange:
        path = op.path
        for name, value in (path_params or {}).items():
            path = path.replace("{" + name + "}", quote(str(value), safe=""))
        url = base_url.rstrip("/") + path
        req_headers = {"Accept": "application/json", **(headers or {})}
        content = None
        if body is not None or op.request_validator is not None:
            content = json.dumps(body).encode()
            req_headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        try:
            resp = self.client.request(op.method, url, content=content, params=query or None, headers=req_headers)
        except httpx.TimeoutException:
            raise TransportError(f"{op.label}: {op.method} {url} gave no answer within {self.timeout:g}s") from None
        except httpx.TransportError as exc:
            raise TransportError(f"{op.label}: {op.method} {url} is unreachable: {exc}") from None
        elapsed = (time.perf_counter() - started) * 1000
        ctype = resp.headers.get("content-type")
        try:
            resp_body: Any = resp.json() if resp.content else None
        except ValueError:
            resp_body = resp.text
        return Exchange(service=op.service, operation_id=op.operation_id, method=op.method, url=url,
                        request_headers=req_headers, request_body=body, status=resp.status_code,
                        response_headers=dict(resp.headers), response_body=resp_body, content_type=ctype,
                        elapsed_ms=elapsed, transport=self.name)

    def close(self) -> None:
        self.client.close()
