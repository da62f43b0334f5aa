"""`arn:aws:states:::http:invoke` for moto's Step Functions interpreter (moto >=5.2,<5.3).

moto 5.2 rejects an HTTP Task when the state machine is created ("Unknown service 'http'")
and has no code to run one. `install()` adds both, in this process, and nothing else:

Patch points (all in moto.stepfunctions.parser.asl; moto's code is wrapped, never rewritten):
1. `component.state.exec.state_task.state_task_factory.state_task_service_for` — the name
   the ASL preprocessor calls (through `state_task_for`) to turn the `service` part of a
   Task's `arn:aws:states:::<service>:<action>` into a state object. The wrapper answers
   `"http"` with `StateTaskServiceHttp` and hands every other service to moto's function.
   Only the binding inside `state_task_factory` is replaced: that module imported the
   function by name, so it is the one lookup that matters.
2. `component.common.error_name.custom_error_name.CustomErrorName.__init__` — moto refuses
   any `ErrorEquals` name starting with "States." that it does not know, so a Catch or
   Retry on `States.Http.StatusCode.404` or `States.Http.Socket` (AWS's names for HTTP Task
   errors) would be rejected at create time. The wrapper lets names starting with
   "States.Http." through; every other name gets moto's check.
3. `component.state.fail.state_fail.CustomErrorName` — the name a Fail state uses to build
   its error from `Error`/`ErrorPath` at run time. moto applies the same "no States."
   check there, so a Fail state re-raising a caught `States.Timeout` or `States.Runtime`
   (what the BDD state machine does with every error that is not an HTTP answer) ends
   with an unrelated ValueError instead. The binding in that module is replaced by a
   subclass without the check.

`install()` first checks the installed moto against the tested range and raises
`MotoVersionError` outside it; it is idempotent (a second call only updates the
settings) and `uninstall()` restores moto's functions.

What the HTTP Task does (as AWS documents it, with the differences marked):
- Parameters: `ApiEndpoint` (URL; http:// is accepted here so that tests stay on
  127.0.0.1 — AWS requires https), `Method` (GET POST PUT DELETE PATCH HEAD OPTIONS),
  `Headers` (names sent as written, e.g. `Authorization`), `QueryParameters` (merged into
  the URL; a list value repeats the key), `RequestBody` (an object or array is sent as
  JSON, a string as it is), `Authentication.ConnectionArn` (required, like AWS).
  `Transform` (URL-encoded bodies) is not emulated: a task using it fails clearly.
- The connection must exist in moto's EventBridge (`events:CreateConnection`), else the
  task fails with `Events.ConnectionResource.ResourceNotFound`. Its BASIC or API_KEY
  authorization and its InvocationHttpParameters are applied to the request, except
  that a header the task sets itself wins over the connection's header of the same name
  (assumption of this emulation: it lets a dummy basic-auth connection coexist with the
  bearer token the platform's BDD machines pass in `Headers`).
- Headers AWS forbids in an HTTP Task (its documented list: Host, Connection,
  Proxy-Authorization, x-amz-*, …) fail the task with `States.Runtime`. AWS is also
  reported to refuse `Authorization` in the task's Headers (not in its list); that is
  enforced only with `install(allow_authorization_header=False)`.
- Output, as AWS: `{"StatusCode": int, "StatusText": str, "Headers": {name: [values]},
  "ResponseBody": <parsed JSON when the Content-Type is JSON, else text>}`. Response
  header names are kept as the server sent them.
- A non-2xx answer fails the task with error `States.Http.StatusCode.<code>` (AWS's name);
  the cause is that same output as a JSON string, so a Catch can still read status,
  headers and body (`States.StringToJson($.error.Cause)`). AWS does not document its
  cause for this error; the BDD state machine copes with a cause that is not JSON.
- No answer within `http_timeout_s` (60 s, AWS's limit for an HTTP Task) or no connection
  at all (refused, unknown host, reset) fails the task with `States.Http.Socket` and a
  cause naming the method, the URL and what happened. AWS documents this name for the
  timeout; using it for refused connections too is this emulation's choice.
- Redirects are not followed (a 3xx is a non-2xx answer).
"""

from __future__ import annotations

import base64
import http
import json
import threading
from dataclasses import dataclass
from importlib import metadata
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx

from odmd_bdd.errors import OdmdError

TESTED_MOTO = ((5, 2), (5, 3))  # [lower, upper) on major.minor — keep in step with pyproject's moto pin
HTTP_TASK_TIMEOUT_S = 60.0  # AWS stops an HTTP Task's call after 60 s (States.Http.Socket)
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})
# AWS's documented list of headers an HTTP Task may not set (call-https-apis, "Headers").
FORBIDDEN_HEADERS = frozenset(
    h.lower()
    for h in (
        "A-IM",
        "Accept-Charset",
        "Accept-Datetime",
        "Accept-Encoding",
        "Cache-Control",
        "Connection",
        "Content-Encoding",
        "Content-MD5",
        "Date",
        "Expect",
        "Forwarded",
        "From",
        "Host",
        "HTTP2-Settings",
        "If-Match",
        "If-Modified-Since",
        "If-None-Match",
        "If-Range",
        "If-Unmodified-Since",
        "Max-Forwards",
        "Origin",
        "Pragma",
        "Proxy-Authorization",
        "Referer",
        "Server",
        "TE",
        "Trailer",
        "Transfer-Encoding",
        "Upgrade",
        "Via",
        "Warning",
    )
)
FORBIDDEN_HEADER_PREFIXES = ("x-forwarded-", "x-amz-", "x-amzn-")
STATUS_ERROR_PREFIX = "States.Http.StatusCode."
SOCKET_ERROR = "States.Http.Socket"
CONNECTION_NOT_FOUND_ERROR = "Events.ConnectionResource.ResourceNotFound"


class MotoVersionError(OdmdError):
    """The installed moto is outside the range this extension was tested with."""


@dataclass
class Settings:
    http_timeout_s: float = HTTP_TASK_TIMEOUT_S
    allow_authorization_header: bool = True


settings = Settings()
_lock = threading.Lock()
_client_lock = threading.Lock()
_originals: dict[str, Any] = {}
_client: httpx.Client | None = None


# -- version guard and installation ----------------------------------------------------------


def check_moto_version(version: str | None = None) -> str:
    """Return the moto version if it is in the tested range, else raise MotoVersionError."""
    if version is None:
        try:
            version = metadata.version("moto")
        except metadata.PackageNotFoundError:
            raise MotoVersionError("moto is not installed; the embedded AWS needs moto[server]>=5.2,<5.3") from None
    (lo, hi) = TESTED_MOTO
    wanted = f">={lo[0]}.{lo[1]},<{hi[0]}.{hi[1]}"
    try:
        major_minor = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        major_minor = None
    if major_minor is None or len(major_minor) != 2 or not (lo <= major_minor < hi):
        raise MotoVersionError(
            f"odmd_bdd.aws.http_invoke patches moto's Step Functions interpreter and was tested with moto{wanted}; "
            f"the installed moto is {version}. Install moto[server]{wanted} (the range pyproject pins), "
            "or re-test the extension against this moto and widen TESTED_MOTO"
        )
    return version


def install(*, http_timeout_s: float | None = None, allow_authorization_header: bool | None = None) -> None:
    """Make moto's Step Functions accept and run `arn:aws:states:::http:invoke` Tasks.

    Idempotent; a second call only updates the settings given. Raises MotoVersionError when
    the installed moto is outside the tested range.
    """
    check_moto_version()
    if http_timeout_s is not None:
        if http_timeout_s <= 0:
            raise ValueError(f"http_timeout_s must be positive, got {http_timeout_s}")
        settings.http_timeout_s = float(http_timeout_s)
    if allow_authorization_header is not None:
        settings.allow_authorization_header = allow_authorization_header
    with _lock:
        if _originals:
            return
        factory, custom_error_name, state_fail = _patch_targets()
        original_service_for = factory.state_task_service_for
        original_init = custom_error_name.CustomErrorName.__init__
        error_name_init = custom_error_name.ErrorName.__init__

        def state_task_service_for(service_name: str) -> Any:
            if service_name == "http":
                return _service_class()()
            return original_service_for(service_name=service_name)

        def custom_error_name_init(self: Any, error_name: str | None) -> None:
            if error_name is not None and error_name.startswith("States.Http."):
                error_name_init(self, error_name=error_name)  # skip moto's "no States. prefix" check
                return
            original_init(self, error_name)

        custom_error_base: Any = custom_error_name.CustomErrorName  # found at run time (_patch_targets)

        class FailStateErrorName(custom_error_base):
            def __init__(self, error_name: str | None):
                error_name_init(self, error_name=error_name)

        _originals["service_for"] = original_service_for
        _originals["error_init"] = original_init
        _originals["fail_error_name"] = state_fail.CustomErrorName
        factory.state_task_service_for = state_task_service_for
        custom_error_name.CustomErrorName.__init__ = custom_error_name_init
        state_fail.CustomErrorName = FailStateErrorName


def uninstall() -> None:
    """Put moto's own functions back (state machines already created keep their HTTP Tasks)."""
    with _lock:
        if not _originals:
            return
        factory, custom_error_name, state_fail = _patch_targets()
        factory.state_task_service_for = _originals.pop("service_for")
        custom_error_name.CustomErrorName.__init__ = _originals.pop("error_init")
        state_fail.CustomErrorName = _originals.pop("fail_error_name")


def installed() -> bool:
    return bool(_originals)


def _patch_targets() -> tuple[Any, Any, Any]:
    try:
        from moto.stepfunctions.parser.asl.component.common.error_name import custom_error_name
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
        from moto.stepfunctions.parser.asl.component.state.fail import state_fail
    except ImportError as exc:
        raise MotoVersionError(
            f"moto's Step Functions interpreter is not where this extension expects it ({exc}); "
            "it was written for moto>=5.2,<5.3"
        ) from None
    if not callable(getattr(state_task_factory, "state_task_service_for", None)):
        raise MotoVersionError("moto's state_task_factory has no state_task_service_for; the patch point moved")
    if getattr(state_fail, "CustomErrorName", None) is None:
        raise MotoVersionError("moto's state_fail no longer uses CustomErrorName; the patch point moved")
    return state_task_factory, custom_error_name, state_fail


# -- the HTTP call (no moto here: plain data in, plain data or _HttpTaskError out) ----------------


class HttpTaskError(Exception):
    """The HTTP Task fails with this error name and cause (both end up on the execution)."""

    def __init__(self, error: str, cause: str):
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass
class HttpRequest:
    method: str
    url: str
    headers: list[tuple[str, str]]
    content: bytes | None


def check_parameters(params: dict[str, Any]) -> tuple[str, Any]:
    """Validate ApiEndpoint, Method, Transform; return (METHOD, split URL). ValueError → States.Runtime."""
    endpoint = params.get("ApiEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise ValueError("the HTTP Task needs an ApiEndpoint (a URL string)")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"ApiEndpoint must be an http(s) URL, got {endpoint!r}")
    method = params.get("Method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"Method must be one of {', '.join(sorted(METHODS))}, got {method!r}")
    if "Transform" in params:
        raise ValueError("the HTTP Task parameter Transform is not emulated by odmd_bdd.aws.http_invoke")
    return method.upper(), parts


def build_request(params: dict[str, Any], connection: dict[str, Any] | None = None) -> HttpRequest:
    """The request an HTTP Task's Parameters describe. ValueError (→ States.Runtime) when invalid."""
    method, parts = check_parameters(params)
    headers = _task_headers(params.get("Headers"))
    query = parse_qsl(parts.query, keep_blank_values=True) + _query_pairs(params.get("QueryParameters"))
    body = params.get("RequestBody")

    if connection is not None:
        taken = {name.lower() for name, _ in headers}
        for name, value in _connection_headers(connection):
            if name.lower() not in taken:
                headers.append((name, value))
        query += _connection_pairs(connection, "QueryStringParameters")
        extra_body = _connection_pairs(connection, "BodyParameters")
        if extra_body:
            if body is None:
                body = {}
            if not isinstance(body, dict):
                raise ValueError("the connection adds body parameters but the RequestBody is not an object")
            body = {**body, **dict(extra_body)}

    content = None
    if body is not None:
        if isinstance(body, str):
            content = body.encode()
        else:
            content = json.dumps(body, separators=(",", ":")).encode()
            if not any(name.lower() == "content-type" for name, _ in headers):
                headers.append(("Content-Type", "application/json; charset=UTF-8"))
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return HttpRequest(method=method, url=url, headers=headers, content=content)


def _task_headers(raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise ValueError(f"Headers must be an object of name: value, got {type(raw).__name__}")
    out = []
    for name, value in raw.items():
        lower = name.lower()
        if lower in FORBIDDEN_HEADERS or lower.startswith(FORBIDDEN_HEADER_PREFIXES):
            raise ValueError(
                f"The 'Headers' field contains unsupported values: [{name}] "
                "(a header AWS does not let an HTTP Task set)"
            )
        if lower == "authorization" and not settings.allow_authorization_header:
            raise ValueError(
                f"The 'Headers' field contains unsupported values: [{name}] "
                "(Authorization refused: install(allow_authorization_header=False))"
            )
        values = value if isinstance(value, list) else [value]
        out.append((name, ",".join(_scalar(v) for v in values)))
    return out


def _query_pairs(raw: Any) -> list[tuple[str, str]]:
    if raw is None:
        return []
    if isinstance(raw, str):
        return parse_qsl(raw.lstrip("?"), keep_blank_values=True)
    if not isinstance(raw, dict):
        raise ValueError(f"QueryParameters must be an object, got {type(raw).__name__}")
    pairs = []
    for key, value in raw.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, _scalar(item)))
    return pairs


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def _connection_headers(conn: dict[str, Any]) -> list[tuple[str, str]]:
    auth_type = conn.get("AuthorizationType")
    params = conn.get("AuthParameters") or {}
    out: list[tuple[str, str]] = []
    if auth_type == "BASIC":
        basic = params.get("BasicAuthParameters") or {}
        token = base64.b64encode(f"{basic.get('Username', '')}:{basic.get('Password', '')}".encode()).decode()
        out.append(("Authorization", f"Basic {token}"))
    elif auth_type == "API_KEY":
        key = params.get("ApiKeyAuthParameters") or {}
        if key.get("ApiKeyName"):
            out.append((key["ApiKeyName"], str(key.get("ApiKeyValue", ""))))
    elif auth_type is not None:
        raise ValueError(f"EventBridge connections of type {auth_type} are not emulated (BASIC and API_KEY are)")
    out += _connection_pairs(conn, "HeaderParameters")
    return out


def _connection_pairs(conn: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    invocation = (conn.get("AuthParameters") or {}).get("InvocationHttpParameters") or {}
    return [(p["Key"], _scalar(p.get("Value"))) for p in invocation.get(kind) or [] if "Key" in p]


def send(request: HttpRequest, timeout_s: float | None = None) -> dict[str, Any]:
    """Send the request; return AWS's HTTP Task output or raise HttpTaskError."""
    timeout_s = settings.http_timeout_s if timeout_s is None else timeout_s
    what = f"{request.method} {request.url}"
    try:
        resp = _http().request(
            request.method,
            request.url,
            headers=request.headers,
            content=request.content,
            timeout=httpx.Timeout(timeout_s),
        )
    except httpx.TimeoutException as exc:
        raise HttpTaskError(
            SOCKET_ERROR, f"{what} gave no answer within {timeout_s:g}s ({type(exc).__name__})"
        ) from None
    except httpx.ConnectError as exc:
        raise HttpTaskError(SOCKET_ERROR, f"{what}: connection failed: {exc or type(exc).__name__}") from None
    except httpx.TransportError as exc:
        raise HttpTaskError(SOCKET_ERROR, f"{what}: {type(exc).__name__}: {exc}") from None
    output = task_output(resp)
    if not 200 <= resp.status_code < 300:
        raise HttpTaskError(f"{STATUS_ERROR_PREFIX}{resp.status_code}", json.dumps(output, separators=(",", ":")))
    return output


def task_output(resp: httpx.Response) -> dict[str, Any]:
    headers: dict[str, list[str]] = {}
    for raw_name, raw_value in resp.headers.raw:
        headers.setdefault(raw_name.decode("latin-1"), []).append(raw_value.decode("latin-1"))
    text = resp.text
    body: Any = text
    media = (resp.headers.get("content-type") or "").split(";")[0].strip().lower()
    if text and (media == "application/json" or media.endswith("+json")):
        try:
            body = json.loads(text)
        except ValueError:
            body = text
    try:
        status_text = resp.reason_phrase or http.HTTPStatus(resp.status_code).phrase
    except ValueError:
        status_text = ""
    return {"StatusCode": resp.status_code, "StatusText": status_text, "Headers": headers, "ResponseBody": body}


def _http() -> httpx.Client:
    global _client
    with _client_lock:
        if _client is None:
            # trust_env=False: no proxy or netrc from the environment reroutes a task's call.
            _client = httpx.Client(
                trust_env=False,
                follow_redirects=False,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            )
        return _client


def lookup_connection(arn: str) -> dict[str, Any]:
    """The EventBridge connection `arn` as moto (in this process) holds it, or HttpTaskError."""
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[2] != "events" or not parts[5].startswith("connection/"):
        raise HttpTaskError(CONNECTION_NOT_FOUND_ERROR, f"not an EventBridge connection ARN: {arn!r}")
    region, account = parts[3], parts[4]
    from moto.events.models import events_backends

    try:
        backend = events_backends[account][region]
    except (KeyError, ValueError):
        backend = None
    for conn in backend.connections.values() if backend is not None else ():
        if conn.arn == arn:
            return {"AuthorizationType": conn.authorization_type, "AuthParameters": conn.auth_parameters}
    raise HttpTaskError(
        CONNECTION_NOT_FOUND_ERROR,
        f"EventBridge connection {arn} does not exist in the embedded AWS (create it with events:CreateConnection)",
    )


def invoke(params: dict[str, Any]) -> dict[str, Any]:
    """Run one HTTP Task with these (already evaluated) Parameters."""
    check_parameters(params)
    _task_headers(params.get("Headers"))
    auth = params.get("Authentication")
    arn = auth.get("ConnectionArn") if isinstance(auth, dict) else None
    if not isinstance(arn, str) or not arn:
        raise ValueError("the HTTP Task needs Authentication.ConnectionArn (an EventBridge connection ARN)")
    connection = lookup_connection(arn)
    return send(build_request(params, connection))


# -- the moto side: a Task state class, built on first use (moto imported lazily) --------------

_service_cls: Any = None


def _service_class() -> Any:
    global _service_cls
    if _service_cls is not None:
        return _service_cls

    from moto.stepfunctions.parser.api import HistoryEventType, TaskFailedEventDetails
    from moto.stepfunctions.parser.asl.component.common.error_name.error_name import ErrorName
    from moto.stepfunctions.parser.asl.component.common.error_name.failure_event import FailureEvent
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service import (
        StateTaskService,
    )
    from moto.stepfunctions.parser.asl.eval.event.event_detail import EventDetails

    class HttpErrorName(ErrorName):
        """An error name of the HTTP Task (States.Http.*, Events.*); matched like a custom name."""

    class StateTaskServiceHttp(StateTaskService):
        _PARAMETERS = frozenset(
            {"ApiEndpoint", "Method", "Headers", "QueryParameters", "RequestBody", "Authentication", "Transform"}
        )

        def from_state_props(self, state_props: Any) -> None:
            super().from_state_props(state_props)
            if self.resource.condition:
                raise ValueError(
                    f"{self.resource.resource_arn}: an HTTP Task supports only the request-response "
                    "integration pattern (no .sync or .waitForTaskToken)"
                )

        def _get_supported_parameters(self) -> set[str] | None:
            return set(self._PARAMETERS) if self.resource.api_action.lower() == "invoke" else None

        def _eval_service_task(
            self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
        ) -> None:
            env.stack.append(invoke(normalised_parameters))

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if isinstance(ex, HttpTaskError):
                return FailureEvent(
                    env=env,
                    error_name=HttpErrorName(error_name=ex.error),
                    event_type=HistoryEventType.TaskFailed,
                    # moto's EventDetails is a TypedDict of every kind of detail; an event carries one
                    event_details=cast(
                        "EventDetails",
                        {
                            "taskFailedEventDetails": TaskFailedEventDetails(
                                error=ex.error,
                                cause=ex.cause,
                                resource=self._get_sfn_resource(),
                                resourceType=self._get_sfn_resource_type(),
                            )
                        },
                    ),
                )
            return super()._from_error(env=env, ex=ex)

    _service_cls = StateTaskServiceHttp
    return _service_cls
