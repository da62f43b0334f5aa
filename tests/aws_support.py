"""Support of the tests/test_aws_*.py modules: a tiny recording HTTP server on 127.0.0.1 and the
module-scoped fixtures (moto keeps one state per process, so each module runs its own EmbeddedAws,
one after the other). Import the fixtures into a test module to use them. `record_aws_calls`
lists the AWS operations boto3 clients make (any test module)."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from odmd_bdd.aws import EmbeddedAws


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    header_names: list[str]  # as received on the wire (case kept)
    headers: dict[str, str]  # lower-case names
    body: bytes


@dataclass
class RecordingServer:
    """Routes: /json/... → 200 JSON echo; /text → 200 text/plain; /status/<code> → JSON error
    body with that status; /hang → no answer until the server stops."""

    url: str
    seen: list[Seen] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def last(self) -> Seen:
        assert self.seen, "the local HTTP server received no request"
        return self.seen[-1]


def start_recording_server() -> tuple[RecordingServer, ThreadingHTTPServer]:
    state = RecordingServer(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            parts = urlsplit(self.path)
            state.seen.append(
                Seen(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    header_names=list(self.headers.keys()),
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=body,
                )
            )
            if parts.path == "/hang":
                state.release.wait(30)
                return
            if parts.path == "/text":
                self._send(200, b"plain words", "text/plain; charset=utf-8")
            elif parts.path.startswith("/status/"):
                code = int(parts.path.rsplit("/", 1)[1])
                self._send(
                    code,
                    json.dumps({"error": f"status {code}", "issues": [{"path": ["identity_id"]}]}).encode(),
                    "application/json",
                )
            else:
                echo = {
                    "method": self.command,
                    "path": parts.path,
                    "query": parse_qs(parts.query),
                    "body": body.decode() if body else None,
                }
                self._send(200, json.dumps(echo).encode(), "application/json", extra={"X-Trace": "t-1"})

        def _send(self, code: int, data: bytes, ctype: str, extra: dict[str, str] | None = None) -> None:
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _handle

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    return state, server


def refused_url() -> str:
    """A loopback URL where nothing listens (a port just bound and released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/nothing-here"


@pytest.fixture(scope="module")
def embedded_aws():
    with EmbeddedAws() as aws:
        yield aws


@pytest.fixture(scope="module")
def http_server():
    state, server = start_recording_server()
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def connection_arn(embedded_aws) -> str:
    events = embedded_aws.client("events")
    return events.create_connection(
        Name="tests-basic",
        AuthorizationType="BASIC",
        AuthParameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}},
    )["ConnectionArn"]


def http_task(connection_arn: str, **parameters: Any) -> dict[str, Any]:
    """A one-state machine: an HTTP Task with these Parameters (plus the connection)."""
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "End": True,
                "Parameters": {**parameters, "Authentication": {"ConnectionArn": connection_arn}},
            }
        },
    }


def run_to_end(
    aws: EmbeddedAws, definition: dict[str, Any], execution_input: Any = None, timeout: float = 120.0
) -> dict[str, Any]:
    """Create a state machine from `definition`, run it once, return DescribeExecution at the end.

    `timeout` is a hang guard, not a budget (as in test_aws_embedded): a loaded machine must not trip it."""
    import time
    import uuid

    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name=f"t-{uuid.uuid4().hex[:12]}",
        definition=json.dumps(definition),
        roleArn=f"arn:aws:iam::{aws.account_id}:role/tests",
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, name=uuid.uuid4().hex, input=json.dumps(execution_input or {}))[
        "executionArn"
    ]
    deadline = time.monotonic() + timeout
    while (described := sfn.describe_execution(executionArn=run))["status"] == "RUNNING":
        assert time.monotonic() < deadline, f"execution still running after {timeout}s"
        time.sleep(0.01)  # poll: execution status, bounded by the deadline above
    if "output" in described:
        described["output"] = json.loads(described["output"])
    return described


def record_aws_calls(monkeypatch: pytest.MonkeyPatch, deny: str | None = None) -> list[str]:
    """The AWS operations every boto3 client makes from now on (each still made); `deny`: an
    operation answered AccessDenied instead, as for a role without that permission."""
    from botocore.client import BaseClient
    from botocore.exceptions import ClientError

    calls: list[str] = []
    make_api_call = BaseClient._make_api_call

    def recording(self: Any, operation_name: str, api_params: Any) -> Any:
        calls.append(operation_name)
        if operation_name == deny:
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": "denied"}}, operation_name)
        return make_api_call(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", recording)
    return calls
