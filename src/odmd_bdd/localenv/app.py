"""The ASGI app of the embedded enver, generated from contracts and the dataset.

Per request: the Phase 0 answer rule (checks.phase0: 401, 400 with Zod issues, the dataset
case, 404) → fault plan.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
from collections.abc import Awaitable, Callable, Collection, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from odmd_bdd.checks import phase0
from odmd_bdd.contracts import OpenApiContract, Operation
from odmd_bdd.contracts.openapi import METHODS, is_text
from odmd_bdd.contracts.security import Credentials
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.data.dataset import Case, Dataset
from odmd_bdd.events.sqs import EventPublisher
from odmd_bdd.localenv.answers import Answer
from odmd_bdd.localenv.faults import Fault, FaultPlan
from odmd_bdd.localenv.runs import ANONYMOUS, RUN_HEADER, RunLog
from odmd_bdd.localenv.web import WebClientState, web_client_routes


def answer_for(
    op: Operation,
    cases: list[Case],
    tokens: Credentials | set[str],
    headers: dict[str, str],
    raw_body: bytes,
    path_params: dict[str, str],
    query: dict[str, str] | list[tuple[str, str]],
    answered: frozenset[str] = frozenset(),
) -> tuple[Answer, Case | None]:
    """The answer of a Phase 0 mock service to one request, and the case it came from (pure)."""
    body: Any = None
    if op.json_body:
        try:
            body = json.loads(raw_body or b"null")
        except (json.JSONDecodeError, UnicodeDecodeError):
            body = phase0.MALFORMED
    elif op.has_body and is_text(op.request_media):
        try:
            body = raw_body.decode("utf-8")
        except UnicodeDecodeError:
            body = phase0.MALFORMED
    null_sent = body is None and bool(raw_body.strip())
    rule = phase0.answer(op, cases, tokens, headers, body, path_params, query, answered, null_sent=null_sent)
    return Answer(status=rule.status, body=rule.body), rule.case


def encoded(op: Operation, answer: Answer) -> tuple[bytes, str | None]:
    """The bytes and content type of an answer: none for a 204/304 or a declared response
    without content, the text of a text/plain response, JSON otherwise."""
    if answer.content_type != "application/json":  # a planted fault: another content type, or none
        return json.dumps(answer.body).encode(), answer.content_type or None
    if answer.status in (204, 304) or answer.status < 200:
        return b"", None
    key = op.response_key(answer.status)
    media = op.response_media.get(key) if key is not None else None
    if key is not None and media is None and answer.body is None:
        return b"", None
    if is_text(media) and isinstance(answer.body, str):
        return answer.body.encode("utf-8"), "text/plain; charset=utf-8"
    return json.dumps(answer.body).encode(), "application/json"


def _endpoint(
    op: Operation,
    cases: list[Case],
    tokens: Credentials,
    faults: FaultPlan,
    runs: RunLog,
    publisher: EventPublisher | None,
    events_of: Callable[[str], Sequence[dict[str, Any]]],
) -> Callable[[Request, dict[str, str]], Awaitable[Response]]:
    async def endpoint(request: Request, path_params: dict[str, str]) -> Response:
        raw = await request.body()
        headers = {k.lower(): v for k, v in request.headers.items()}
        run = headers.get(RUN_HEADER, ANONYMOUS)
        answer, case = answer_for(
            op, cases, tokens, headers, raw, path_params, request.query_params.multi_items(), runs.answered(run)
        )
        if case is not None:
            runs.record(run, case.ref)
            answer.events = copy.deepcopy(list(case.events))
        answer = faults.apply(op.service, op.operation_id, answer, run, case.ref if case else None, events_of)
        if answer.events and publisher is not None:
            # Published before the answer leaves, so a client that got the answer finds the event.
            to_run = None if run == ANONYMOUS else run
            if publisher.sender.blocking:
                await run_in_threadpool(publisher.publish, answer.events, to_run)
            else:
                publisher.publish(answer.events, to_run)
        if answer.delay_s:
            await asyncio.sleep(answer.delay_s)  # a planted fault: the service answers late
        extra = {FAULT_CORS_HEADER: answer.cors_origin} if answer.cors_origin else None
        content, media = encoded(op, answer)
        return Response(content, status_code=answer.status, media_type=media, headers=extra)

    return endpoint


def _service_routes(
    contract: OpenApiContract,
    dataset: Dataset,
    tokens: Credentials,
    faults: FaultPlan,
    runs: RunLog,
    publisher: EventPublisher | None,
) -> list[BaseRoute]:
    """One route per service: the contract finds the operation of a request (a literal path
    wins over a template; any parameter name the contract may spell), so every operation is served."""
    endpoints = {
        op.operation_id: _endpoint(
            op,
            dataset.cases_for(contract.service, op.operation_id),
            tokens,
            faults,
            runs,
            publisher,
            lambda ref: dataset.case(ref).events,
        )
        for op in contract.operations.values()
    }

    async def dispatch(request: Request) -> Response:
        path = "/" + request.path_params.get("rest", "")
        found = contract.find(request.method, path)
        if found is None and request.method == "HEAD":
            found = contract.find("GET", path)
        if found is None:
            allowed = sorted(
                {op.method for op in contract.operations.values() if op.matches(op.method, path) is not None}
            )
            if allowed:
                return JSONResponse(
                    {
                        "error": "method_not_allowed",
                        "message": f"{request.method} {path}: allowed {', '.join(allowed)}",
                    },
                    status_code=405,
                    headers={"Allow": ", ".join(allowed)},
                )
            return JSONResponse(
                {"error": "not_found", "message": f"{contract.service} has no operation at {request.method} {path}"},
                status_code=404,
            )
        op, params = found
        return await endpoints[op.operation_id](request, params)

    return [Route("/{rest:path}", dispatch, methods=[m.upper() for m in METHODS], name=contract.service)]


FAULT_CORS_HEADER = "x-odmd-fault-cors-origin"


class FaultyCorsOrigin:
    """Outermost middleware: where a fault asked for it (an internal header set by the
    endpoint), replace the Access-Control-Allow-Origin that CORSMiddleware wrote."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def rewrite(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                wrong = next((v for k, v in headers if k.decode().lower() == FAULT_CORS_HEADER), None)
                if wrong is not None:
                    headers = [
                        (k, v)
                        for k, v in headers
                        if k.decode().lower() not in (FAULT_CORS_HEADER, "access-control-allow-origin")
                    ]
                    headers.append((b"access-control-allow-origin", wrong))
                    message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, rewrite)


class FaultyPreflight:
    """Outermost middleware: a CORS preflight for an operation with a `preflight_drop` fault
    leaves those headers out of the Access-Control-Allow-Headers that CORSMiddleware wrote."""

    def __init__(self, app: Any, constellation: Constellation, faults: FaultPlan):
        self.app = app
        self.constellation = constellation
        self.faults = faults

    def _dropped(self, scope: Any) -> set[str]:
        headers = {k.decode().lower(): v.decode() for k, v in scope.get("headers", [])}
        method = headers.get("access-control-request-method")
        if scope["method"] != "OPTIONS" or not method:
            return set()
        service, _, rest = scope["path"].lstrip("/").partition("/")
        contract = self.constellation.contracts.get(service)
        found = contract.find(method, "/" + rest) if contract is not None else None
        return self.faults.preflight_drop(service, found[0].operation_id) if found else set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        dropped = self._dropped(scope) if scope["type"] == "http" else set()
        if not dropped:
            await self.app(scope, receive, send)
            return

        async def rewrite(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for k, v in message.get("headers", []):
                    if k.decode().lower() == "access-control-allow-headers":
                        kept = [h for h in v.decode().split(",") if h.strip().lower() not in dropped]
                        v = ",".join(kept).encode()
                    headers.append((k, v))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, rewrite)


def build_app(
    constellation: Constellation,
    faults: FaultPlan,
    runs: RunLog | None = None,
    publisher: EventPublisher | None = None,
    services: Collection[str] | None = None,
) -> Starlette:
    """The enver's app: the `services` it hosts (default: all), the web client, the fault hooks."""
    tokens = constellation.credentials()
    runs = runs if runs is not None else RunLog()
    # The enver answers from its own copy of the dataset, and every answer and event is a copy of
    # that: nothing the enver does to what it sends can reach the harness's expectations.
    dataset = copy.deepcopy(constellation.dataset)

    async def health(_: Request) -> Response:
        return JSONResponse({"status": "ok", "services": hosted, "pid": os.getpid()})

    async def fault_plan(request: Request) -> Response:
        if request.method == "PUT":
            try:
                raw = await request.json()
                planned = [Fault.from_dict(f) for f in (raw if isinstance(raw, list) else [raw])]
                unknown = [f.event_from for f in planned if f.event_from and f.event_from not in dataset.cases]
                if unknown:
                    raise ValueError(f"event_from: no dataset case {', '.join(map(str, unknown))}")
                faults.replace(planned)
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": "bad_fault_plan", "message": str(exc)}, status_code=400)
        elif request.method == "DELETE":
            faults.clear()
        return JSONResponse([f.to_dict() for f in faults.faults()])

    routes: list[BaseRoute] = [
        Route("/_odmd/health", health),
        Route("/_odmd/faults", fault_plan, methods=["GET", "PUT", "DELETE"]),
    ]
    hosted = [name for name in constellation.services if services is None or name in services]
    for name, contract in constellation.contracts.items():
        if name not in hosted:
            continue
        routes.append(Mount(f"/{name}", routes=_service_routes(contract, dataset, tokens, faults, runs, publisher)))
    # The web client at /web-client/; its state (base URLs, GUI faults) is app.state.web_client.
    web_client = WebClientState()
    routes.extend(web_client_routes(constellation, web_client))
    middleware = [
        Middleware(FaultyPreflight, constellation=constellation, faults=faults),
        Middleware(FaultyCorsOrigin),
        # credentials: a web client's credentialed call (an apiKey in a cookie) gets its origin back
        Middleware(
            CORSMiddleware, allow_origins=["*"], allow_methods=["*"], allow_headers=["*"], allow_credentials=True
        ),
    ]
    app = Starlette(routes=routes, middleware=middleware)
    app.state.web_client = web_client
    app.state.dataset = dataset
    return app
