"""Running the embedded enver: uvicorn on 127.0.0.1, a free port, in a background thread."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import Collection

import uvicorn

from odmd_bdd.data.constellation import Constellation
from odmd_bdd.errors import EnverError
from odmd_bdd.events.sqs import EventPublisher, MessageIndex, QueueSender
from odmd_bdd.localenv.app import build_app
from odmd_bdd.localenv.faults import FaultPlan
from odmd_bdd.localenv.web import WEB_CLIENT_PATH, WebClientState

LOOPBACK = "127.0.0.1"
STOP_GRACE_S = 5.0  # how long a stop lets requests in flight finish


class _Server(uvicorn.Server):
    """uvicorn's server, stopped without its polling: uvicorn looks at `should_exit` every 0.1 s
    and then sleeps another 0.1 s before it closes connections, so every enver stop cost
    0.1-0.3 s (each run's end, each test's enver). Here `stop_soon` wakes the main loop at
    once; the shutdown closes the listeners and idle connections and waits only while a
    request is in flight (up to STOP_GRACE_S, then cancels it)."""

    _wake: asyncio.Event | None = None
    _loop: asyncio.AbstractEventLoop | None = None

    async def main_loop(self) -> None:
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter += 10  # on_tick refreshes the Date header when counter % 10 == 0: once a second
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), 1.0)

    def stop_soon(self) -> None:
        """From any thread."""
        self.should_exit = True
        loop, wake = self._loop, self._wake
        if loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop already closed
                loop.call_soon_threadsafe(wake.set)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for connection in list(self.server_state.connections):
            connection.shutdown()  # an idle keep-alive connection closes now, a busy one after its answer
        loop = asyncio.get_running_loop()
        deadline = loop.time() + STOP_GRACE_S
        while self.server_state.tasks and loop.time() < deadline:
            await asyncio.sleep(0.005)  # poll: the requests still in flight, bounded by the deadline
        for task in self.server_state.tasks:
            task.cancel()
        await self.lifespan.shutdown()


class LocalEnver:
    """The embedded enver. `with LocalEnver(c) as e: e.base_urls[...]`."""

    def __init__(
        self,
        constellation: Constellation,
        port: int = 0,
        host: str = LOOPBACK,
        events: QueueSender | None = None,
        services: Collection[str] | None = None,
    ):
        """`events`: how to put a message on an SQS queue (`events.sqs.ApiSender` over a boto3
        client, or the embedded AWS's `event_sender()`); with it, answered dataset cases publish their events.
        `services`: the services this enver hosts (default: all; a run with some services at
        explicit addresses hosts only the others)."""
        self.constellation = constellation
        self.hosted = [name for name in constellation.services if services is None or name in services]
        self.faults = FaultPlan()
        publisher = EventPublisher(events, MessageIndex(constellation.event_contracts)) if events is not None else None
        self.app = build_app(constellation, self.faults, publisher=publisher, services=self.hosted)
        self._host = host
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""  # where the services answer
        self.web_url = ""  # where the web client is served: another origin, as on the platform

    @property
    def base_urls(self) -> dict[str, str]:
        return {name: f"{self.url}/{name}" for name in self.hosted}

    @property
    def web_client(self) -> WebClientState:
        """The web client's config: `.base_urls` (None: this enver's own) and `.faults` (GUI faults)."""
        return self.app.state.web_client

    @property
    def web_client_url(self) -> str:
        return f"{self.web_url}{WEB_CLIENT_PATH}/"

    def _listen(self, port: int) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted sockets inherit this on Linux. Without it uvicorn's separate header and body
        # writes meet the client's delayed ACK: every answer after the first took 40 ms.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            sock.bind((self._host, port))
        except OSError as exc:
            sock.close()
            raise EnverError(f"the embedded enver cannot listen on {self._host}:{port}: {exc.strerror}") from None
        return sock

    def start(self, timeout: float = 10.0) -> LocalEnver:
        sock = self._listen(self._port)
        # The web client gets a port of its own, so the browser calls the services cross-origin
        # and CORS is exercised as on a deployed enver (webClientUrl and the APIs differ in host).
        try:
            web_sock = self._listen(0)
        except EnverError:
            sock.close()
            raise
        port, web_port = sock.getsockname()[1], web_sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off", timeout_keep_alive=30)
        self._server = _Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock, web_sock]}, name="odmd-local-enver", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise EnverError(f"the embedded enver did not start within {timeout:.0f}s on {self._host}:{port}")
            time.sleep(0.005)  # poll: server readiness, bounded by the deadline above
        self.url = f"http://{self._host}:{port}"
        self.web_url = f"http://{self._host}:{web_port}"
        self.web_client.own_base_urls = self.base_urls  # the client calls the services' origin, not its own
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop_soon()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> LocalEnver:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
