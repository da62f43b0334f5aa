"""The web client the embedded enver serves at `<url>/web-client/`, and its GUI fault hook.

The client is static HTML/CSS/JS (`webclient/`); what it needs at run time comes from
`config.json`, generated per request from the enver's state:

    {"services": {"<name>": {"base_url": "...", "contract": "contracts/<name>.json"}},
     "session": {"storage_key": "odmd.session_token", "token_field": "session_token"},
     "credentials": {"<name>": {"<security scheme>": "<mock credential>"}},
     "faults": [<ClientFault>, ...]}

Client faults are deliberate bugs of the web client (show a wrong value, call a wrong
route, show a text other than the value, keep a stale text, render a test id twice) that
the harness's own tests plant to prove the GUI layer catches them. Set them on a running
enver with `LocalEnver.web_client.faults.replace([...])` or `PUT /_odmd/web-client/faults`;
the client reads them when a page loads. A fault with `run` (a generated mutant's key) is
served only to pages whose config.json request carries an X-Odmd-Run of that key's runs
(`<run>~…`, as Fault.run), so hundreds of them can be planted on one enver at once.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.localenv.faults import RUN_KEY
from odmd_bdd.names import RUN_HEADER

WEB_CLIENT_DIR = Path(__file__).resolve().parent / "webclient"
WEB_CLIENT_PATH = "/web-client"
SESSION_STORAGE_KEY = "odmd.session_token"
SESSION_TOKEN_FIELD = "session_token"
NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class ClientFault:
    """A bug planted in the web client. `operation` is `operationId` or `service.operationId`."""

    kind: str
    operation: str
    field: str | None = None  # show/hide/text/stale: the dotted answer field ($status, $issues: text/stale)
    value: Any = None  # show: the value shown instead; text: the text shown instead
    path: str | None = None  # route: the route called instead of the operation's
    testid: str | None = None  # duplicate: the data-testid rendered twice
    run: str | None = None  # only pages loaded by runs whose X-Odmd-Run starts with `<run>~`

    # kind -> the fields it needs (app.js has one FAULTS entry per kind); `value` may be null
    KINDS: ClassVar[dict[str, tuple[str, ...]]] = {
        "show": ("field", "value"),
        "route": ("path",),
        "hide": ("field",),
        "text": ("field", "value"),
        "stale": ("field",),
        "duplicate": ("testid",),
    }

    def __post_init__(self) -> None:
        if self.kind not in self.KINDS:
            raise ValueError(f"unknown client fault kind {self.kind!r} (kinds: {', '.join(self.KINDS)})")
        missing = [name for name in self.KINDS[self.kind] if name != "value" and getattr(self, name) is None]
        if missing or not self.operation:
            raise ValueError(f"a {self.kind!r} client fault needs operation and {', '.join(self.KINDS[self.kind])}")

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ClientFault:
        allowed = {"kind", "operation", "field", "value", "path", "testid", "run"}
        unknown = set(raw) - allowed
        if unknown:
            raise ValueError(f"a client fault may have {sorted(allowed)}; got {sorted(raw)}")
        return cls(**raw)

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None or k in self.KINDS[self.kind]}

    def served_to(self, run: str | None) -> bool:
        return self.run is None or (run or "").startswith(self.run + RUN_KEY)


class ClientFaultPlan:
    """A thread-safe list of client faults; config.json serves it to every page load."""

    def __init__(self) -> None:
        self._faults: list[ClientFault] = []
        self._lock = threading.Lock()

    def faults(self) -> list[ClientFault]:
        with self._lock:
            return list(self._faults)

    def replace(self, faults: list[ClientFault]) -> None:
        with self._lock:
            self._faults = list(faults)

    def add(self, fault: ClientFault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear(self) -> None:
        self.replace([])


class WebClientState:
    """What config.json tells the client: `base_urls` (None: `own_base_urls`) and `faults`."""

    def __init__(self) -> None:
        self.base_urls: dict[str, str] | None = None  # set when the services were resolved elsewhere
        self.own_base_urls: dict[str, str] | None = None  # where this enver's services answer (set at start)
        self.faults = ClientFaultPlan()


def client_config(
    constellation: Constellation, state: WebClientState, origin: str, run: str | None = None
) -> dict[str, Any]:
    base_urls = state.base_urls or state.own_base_urls or {name: f"{origin}/{name}" for name in constellation.services}
    return {
        "services": {
            name: {"base_url": base_urls[name], "contract": f"contracts/{name}.json"}
            for name in constellation.services
            if name in base_urls
        },
        "session": {"storage_key": SESSION_STORAGE_KEY, "token_field": SESSION_TOKEN_FIELD},
        # the mock credential of each security scheme, as a user would have entered their API keys
        "credentials": {name: constellation.mock_credentials(name) for name in constellation.services},
        "faults": [f.to_dict() for f in state.faults.faults() if f.served_to(run)],
    }


def web_client_routes(constellation: Constellation, state: WebClientState) -> list[BaseRoute]:
    """`/web-client/` (static files, config.json, contracts) and `/_odmd/web-client/faults`."""

    async def config(request: Request) -> Response:
        origin = f"{request.url.scheme}://{request.url.netloc}"
        run = request.headers.get(RUN_HEADER)
        return JSONResponse(client_config(constellation, state, origin, run), headers=NO_STORE)

    async def contract(request: Request) -> Response:
        name = request.path_params["service"]
        if name not in constellation.services:
            return JSONResponse({"error": "not_found", "message": f"no service {name!r}"}, status_code=404)
        return JSONResponse(constellation.contracts[name].artifact.document, headers=NO_STORE)

    async def faults(request: Request) -> Response:
        if request.method == "PUT":
            try:
                raw = await request.json()
                state.faults.replace([ClientFault.from_dict(f) for f in (raw if isinstance(raw, list) else [raw])])
            except (ValueError, TypeError, AttributeError) as exc:
                return JSONResponse({"error": "bad_fault_plan", "message": str(exc)}, status_code=400)
        elif request.method == "DELETE":
            state.faults.clear()
        return JSONResponse([f.to_dict() for f in state.faults.faults()])

    return [
        Mount(
            WEB_CLIENT_PATH,
            routes=[
                Route("/config.json", config),
                Route("/contracts/{service}.json", contract),
                Mount("/", app=StaticFiles(directory=WEB_CLIENT_DIR, html=True)),
            ],
        ),
        Route("/_odmd/web-client/faults", faults, methods=["GET", "PUT", "DELETE"]),
    ]
