"""Every request the web client sends, captured from the browser and mapped to its contract.

The capture is a Playwright route on the scenario's browser context: a request to a
service of the enver is forwarded by the harness (`route.fetch`, which adds the run's
X-Odmd-Run header as the API layer does) and its answer handed back to the page
unchanged. So each exchange is recorded before the page sees its answer, and a check run
after the page shows the answer never misses one. The web client's own files pass
through untouched; any other request the client makes from script (fetch/XHR) is blocked
and reported, since a scenario may only talk to the constellation.
"""

from __future__ import annotations

import json
import re
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from odmd_bdd.actors.base import RUN_HEADER
from odmd_bdd.checks import gui_capture
from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import Operation
from odmd_bdd.resolution.envers import Enver, ServiceEndpoint
from odmd_bdd.transports import Exchange

TRANSPORT = "browser"


@dataclass
class Captured:
    """One request of the web client, its answer, and what its contract says about them."""

    exchange: Exchange
    service: str | None  # None: not a service of the enver
    operation: Operation | None  # None: no operation of the service's contract declares the route
    problems: list[Problem] = field(default_factory=list)  # what checks.gui_capture found

    @property
    def route(self) -> str:
        parts = urlsplit(self.exchange.url)
        return f"{self.exchange.method} {parts.path}"


def _parse(raw: bytes | str | None, content_type: str | None) -> Any:
    if raw is None or raw == b"" or raw == "":
        return None
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    if content_type is None or "json" in content_type.lower():
        try:
            return json.loads(text)
        except ValueError:
            pass
    return text


class NetworkCapture:
    def __init__(self, enver: Enver, web_client_url: str, run_id: str, timeout_s: float):
        self.enver = enver
        self.web_client_url = web_client_url
        parts = urlsplit(web_client_url)
        self.web_client_origin = f"{parts.scheme}://{parts.netloc}"
        self.run_id = run_id
        self.timeout_ms = timeout_s * 1000
        # Longest base URL first, so a service mounted under another's prefix is found first.
        self._services = sorted(
            ((svc.base_url.rstrip("/") + "/", svc) for svc in enver.services.values()),
            key=lambda pair: len(pair[0]),
            reverse=True,
        )
        self._records: list[Captured] = []
        self._lock = threading.Lock()

    def install(self, context) -> None:
        # Everything but the web client's own files; the pattern runs in the browser's driver, so
        # loading the client costs no round trip to Python.
        context.route(re.compile("^(?!" + re.escape(self.web_client_url) + ")"), self._handle)

    def take(self) -> list[Captured]:
        """Every exchange captured since the last call."""
        with self._lock:
            taken, self._records = self._records, []
        return taken

    def _service_of(self, url: str) -> tuple[ServiceEndpoint, str] | None:
        bare = url.split("?", 1)[0].split("#", 1)[0]
        for prefix, svc in self._services:
            if bare.startswith(prefix) or bare + "/" == prefix:
                return svc, "/" + bare[len(prefix) :]
        return None

    def _record(self, captured: Captured) -> None:
        with self._lock:
            self._records.append(captured)

    def _handle(self, route, request) -> None:
        try:
            self._forward(route, request)
        except Exception as exc:  # never leave the page's request hanging; report instead
            self._record(
                Captured(
                    Exchange(
                        service="?",
                        operation_id="?",
                        method=request.method,
                        url=request.url,
                        request_headers=dict(request.headers),
                        request_body=None,
                        status=0,
                        transport=TRANSPORT,
                    ),
                    None,
                    None,
                    gui_capture.unforwarded(request.method, request.url, exc),
                )
            )
            try:
                route.abort("failed")
            except Exception:  # the route may already be handled
                pass

    def _forward(self, route, request) -> None:
        url = request.url
        preflight = request.method == "OPTIONS" and "access-control-request-method" in request.headers
        if url.startswith(self.web_client_url) or preflight:
            route.continue_()
            return
        found = self._service_of(url)
        if found is None:
            problems = gui_capture.outside(request.method, url, request.resource_type)
            if problems:
                self._record(
                    Captured(
                        Exchange(
                            service="?",
                            operation_id="?",
                            method=request.method,
                            url=url,
                            request_headers=dict(request.headers),
                            request_body=_parse(request.post_data, "json"),
                            status=0,
                            transport=TRANSPORT,
                        ),
                        None,
                        None,
                        problems,
                    )
                )
                route.abort("blockedbyclient")
            elif url.startswith(self.web_client_origin + "/"):
                route.continue_()  # e.g. /favicon.ico next to the client
            else:
                route.abort("blockedbyclient")  # a scenario never talks to the internet
            return
        svc, path = found
        match = svc.contract.find(request.method, path)
        op, _params = match if match is not None else (None, {})
        headers = {**request.headers, RUN_HEADER: self.run_id}
        request_body = _parse(request.post_data, request.headers.get("content-type"))
        started = time.perf_counter()
        response = route.fetch(headers=headers, timeout=self.timeout_ms, max_redirects=0)
        elapsed = (time.perf_counter() - started) * 1000
        raw = response.body()
        response_headers = response.headers
        content_type = response_headers.get("content-type")
        exchange = Exchange(
            service=svc.name,
            operation_id=op.operation_id if op else "(undeclared route)",
            method=request.method,
            url=url,
            request_headers=headers,
            request_body=request_body,
            status=response.status,
            response_headers=dict(response_headers),
            response_body=_parse(raw, content_type),
            content_type=content_type,
            elapsed_ms=elapsed,
            transport=TRANSPORT,
        )
        problems = gui_capture.answer(
            svc.name,
            svc.contract.artifact.label,
            op,
            request.method,
            path,
            response.status,
            exchange.response_body,
            content_type,
        )
        self._record(Captured(exchange, svc.name, op, problems))
        route.fulfill(response=response, body=raw)
