"""The direct HTTP transport: one pooled httpx client per test session."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import httpx

from odmd_bdd import tls
from odmd_bdd.contracts import Operation
from odmd_bdd.errors import TransportError
from odmd_bdd.transports.base import Exchange, encode_body, prepare


class HttpTransport:
    name = "http"

    def __init__(self, timeout: float = 10.0, connect_timeout: float = 3.0, base_urls: Sequence[str] = ()):
        """`base_urls`: the services' addresses when known (all `http://`: no CA bundle is loaded)."""
        self.timeout = timeout
        # trust_env=False: no proxy or netrc from the environment may reroute test traffic.
        self.client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            trust_env=False,
            verify=tls.context_for(*base_urls),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            follow_redirects=False,
        )

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
        url, req_headers, has_body = prepare(base_url, op, body, path_params, headers, query)
        content = encode_body(op, body) if has_body else None
        started = time.perf_counter()
        try:
            resp = self.client.request(op.method, url, content=content, headers=req_headers)
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
        return Exchange(
            service=op.service,
            operation_id=op.operation_id,
            method=op.method,
            url=url,
            request_headers=req_headers,
            request_body=body,
            status=resp.status_code,
            response_headers=dict(resp.headers),
            response_body=resp_body,
            content_type=ctype,
            elapsed_ms=elapsed,
            transport=self.name,
        )

    def close(self) -> None:
        self.client.close()
