"""Every request the web client sends, observed in the browser and mapped to its contract.

The browser's traffic reaches the services as it would in production: the harness installs
no Playwright route, because with any route on a context Playwright answers every CORS
preflight itself (echoing the requested headers) and a CORS fault of a service could never
turn a scenario red. Instead the capture

- adds the run's X-Odmd-Run header to every request (`set_extra_http_headers`: a real
  header, so it takes part in CORS like any other the client sends);
- notes each request of the page (`request` events) and, when the actor asks (`take`),
  waits for its answer (`Request.response`, `Response.finished`) and records the exchange,
  so a check run after the page shows an answer never misses one;
- reads why the browser refused an answer from the console (Chromium names the CORS header
  at fault) and reports it as a problem of the exchange;
- keeps the scenario off the internet with a per-context proxy that goes nowhere, bypassed
  for the web client's and the services' hosts only: a request elsewhere fails at once and
  is reported.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from odmd_bdd.checks import gui_capture
from odmd_bdd.checks.problems import Problem
from odmd_bdd.contracts import Operation
from odmd_bdd.names import RUN_HEADER
from odmd_bdd.resolution.envers import Enver, ServiceEndpoint
from odmd_bdd.transports import Exchange

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, ConsoleMessage, Request

TRANSPORT = "browser"
NOWHERE_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens, a connection is refused at once
CORS_REFUSAL = re.compile(
    r"Access to (?:fetch|XMLHttpRequest) at '([^']+)' from origin '[^']+' has been blocked by CORS policy: (.+)"
)
CONSOLE_WAIT_MS = 2000  # how long a refused request's console line may trail its failure


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


def _host(url: str) -> str:
    return urlsplit(url).hostname or ""


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
        self._pending: list[tuple[Request, ServiceEndpoint, str]] = []
        self._records: list[Captured] = []
        self._refusals: dict[str, str] = {}  # URL -> why the browser refused its answer (console)
        self._lock = threading.Lock()
        self._context: BrowserContext | None = None

    def proxy(self) -> dict[str, str]:
        """The context's proxy: nowhere, except for the web client and the services (see module doc)."""
        hosts = {_host(self.web_client_url)} | {_host(svc.base_url) for _prefix, svc in self._services}
        return {"server": NOWHERE_PROXY, "bypass": ",".join(sorted(h for h in hosts if h))}

    def install(self, context: BrowserContext) -> None:
        self._context = context
        context.set_extra_http_headers({RUN_HEADER: self.run_id})
        context.on("request", self._on_request)
        context.on("console", self._on_console)

    def uninstall(self, context: BrowserContext) -> None:
        """Stop listening to `context` (a reused context must not feed this capture the next scenario's traffic)."""
        context.remove_listener("request", self._on_request)
        context.remove_listener("console", self._on_console)
        if self._context is context:
            self._context = None

    def take(self, wait: bool = True) -> list[Captured]:
        """Every exchange since the last call, each with its answer (`wait=False`: drop the pending)."""
        with self._lock:
            pending, self._pending = self._pending, []
        if wait:
            for request, svc, path in pending:
                self._record(self._observe(request, svc, path))
        with self._lock:
            taken, self._records = self._records, []
        return taken

    # -- events (no Playwright call in here: the sync API dispatches them between our calls) --

    def _on_request(self, request: Request) -> None:
        url = request.url
        if url.startswith(self.web_client_url):
            return
        found = self._service_of(url)
        if found is not None:
            with self._lock:
                self._pending.append((request, *found))
            return
        problems = gui_capture.outside(request.method, url, request.resource_type)
        if problems:
            self._record(self._unanswered(request, problems))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type != "error":
            return
        refused = CORS_REFUSAL.search(message.text)
        if refused:
            with self._lock:
                self._refusals[refused.group(1)] = refused.group(2)

    # -- recording -------------------------------------------------------------------------

    def _service_of(self, url: str) -> tuple[ServiceEndpoint, str] | None:
        bare = url.split("?", 1)[0].split("#", 1)[0]
        for prefix, svc in self._services:
            if bare.startswith(prefix) or bare + "/" == prefix:
                return svc, "/" + bare[len(prefix) :]
        return None

    def _record(self, captured: Captured) -> None:
        with self._lock:
            self._records.append(captured)

    def _refusal(self, url: str) -> str | None:
        """Why the browser refused `url`'s answer, if it said so on the console."""
        with self._lock:
            if url in self._refusals:
                return self._refusals.pop(url)
        if self._context is not None:
            try:  # the console line may trail the failure: wait for it, briefly
                self._context.wait_for_event("console", lambda m: url in m.text, timeout=CONSOLE_WAIT_MS)
            except Exception:  # no such line: not a CORS refusal
                pass
        with self._lock:
            return self._refusals.pop(url, None)

    def _unanswered(self, request: Request, problems: list[Problem], service: str = "?") -> Captured:
        return Captured(
            Exchange(
                service=service,
                operation_id="?",
                method=request.method,
                url=request.url,
                request_headers=dict(request.headers),
                request_body=_parse(request.post_data, request.headers.get("content-type")),
                status=0,
                transport=TRANSPORT,
            ),
            None,
            None,
            problems,
        )

    def _observe(self, request: Request, svc: ServiceEndpoint, path: str) -> Captured:
        match = svc.contract.find(request.method, path)
        op, _params = match if match is not None else (None, {})
        try:
            response = request.response()  # waits for the answer; None when the browser got none
            if response is not None:
                response.finished()  # the body too (or its failure)
            failure = request.failure
        except Exception as exc:  # the page or its context went away meanwhile
            return self._unanswered(request, gui_capture.unanswered(request.method, request.url, str(exc)), svc.name)
        if response is None or failure:
            refusal = self._refusal(request.url)
            reason = f"{failure or 'no answer'}" + (f" ({refusal})" if refusal else "")
            problems = (
                gui_capture.cors_refused(request.method, request.url, refusal)
                if refusal
                else gui_capture.unanswered(request.method, request.url, reason)
            )
            return self._unanswered(request, problems, svc.name)
        raw = response.body()
        response_headers = response.all_headers()
        content_type = response_headers.get("content-type")
        timing = request.timing
        exchange = Exchange(
            service=svc.name,
            operation_id=op.operation_id if op else "(undeclared route)",
            method=request.method,
            url=request.url,
            request_headers=request.all_headers(),
            request_body=_parse(request.post_data, request.headers.get("content-type")),
            status=response.status,
            response_headers=dict(response_headers),
            response_body=_parse(raw, content_type),
            content_type=content_type,
            elapsed_ms=max(0.0, timing.get("responseEnd", 0.0) - max(timing.get("requestStart", 0.0), 0.0)),
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
        return Captured(exchange, svc.name, op, problems)
