"""`arn:aws:states:::http:invoke` for moto's Step Functions interpreter (moto >=5.2.5,<5.2.7).

moto 5.2 rejects an HTTP Task when the state machine is created ("Unknown service 'http'")
and has no code to run one. `install()` adds both, in this process, and nothing else.

Patch points (all in moto.stepfunctions.parser; moto's code is wrapped, never rewritten):
1. `asl.component.state.exec.state_task.state_task_factory.state_task_service_for` — the name
   the ASL preprocessor calls (through `state_task_for`) to turn the `service` part of a
   Task's `arn:aws:states:::<service>:<action>` into a state object. The wrapper answers
   `"http"` with `StateTaskServiceHttp` and hands every other service to moto's function.
   Only the binding inside `state_task_factory` is replaced: that module imported the
   function by name, so it is the one lookup that matters.
2. `asl.component.common.error_name.custom_error_name.CustomErrorName.__init__` — moto refuses
   any `ErrorEquals` name starting with "States." that it does not know, so a Catch or
   Retry on `States.Http.StatusCode.404` or `States.Http.Socket` (AWS's names for HTTP Task
   errors) would be rejected at create time. The wrapper lets names starting with
   "States.Http." through; every other name gets moto's check.
3. `asl.component.state.fail.state_fail.CustomErrorName` — the name a Fail state uses to build
   its error from `Error`/`ErrorPath` at run time. moto applies the same "no States."
   check there, so a Fail state re-raising a caught `States.Timeout` or `States.Runtime`
   ends with an unrelated ValueError instead. The binding in that module is replaced by a
   subclass without the check.
4. `models.StepFunctionsParserBackend._validate_definition` — what CreateStateMachine and
   UpdateStateMachine call. The wrapper first runs `validate_definition()` (the create-time
   rules below, on the definition's JSON) and raises moto's `InvalidDefinition` — the error
   CreateStateMachine answers for a bad definition — then hands over to moto's check.

`install()` first checks the installed moto against the tested range and raises
`MotoVersionError` outside it; it is idempotent (a second call only updates the
settings) and `uninstall()` restores moto's functions.

The rules, each with where AWS documents it. Pages (all https://docs.aws.amazon.com/step-functions/latest/dg/):
  [HTTP]  call-https-apis.html ("Call HTTPS APIs in Step Functions workflows")
  [ERR]   concepts-error-handling.html ("Handling errors in Step Functions workflows")
  [QUOTA] service-quotas.html ("Step Functions service quotas", "Quotas related to HTTP Task")
  [TASK]  state-task.html ("Task workflow state", TimeoutSeconds)
  [JSONATA] transforming-data.html ("Transforming data with JSONata in Step Functions")
"Enforced" says where this emulation applies the rule; "silent" marks what the docs do not say.

Task parameters [HTTP "HTTP Task fields"]:
- R1 `Resource` is `arn:aws:states:::http:invoke`. Only request-response: the docs name no
  `.sync` / `.waitForTaskToken` variant (silent: enforced here at create time).
- R2 `ApiEndpoint` (required), `Method` (required, one of GET POST PUT DELETE PATCH OPTIONS
  HEAD), the connection through `Authentication.ConnectionArn` or `InvocationConfig.ConnectionArn`
  ("use either the Authentication or InvocationConfig field"; InvocationConfig is the
  recommended one), `Headers`, `QueryParameters`, `Transform`, `RequestBody` (all optional).
  The docs list no other field. Enforced at create time: a missing required field, an
  unknown field (a misspelt `Body`), both or neither of Authentication/InvocationConfig, or
  an unknown key inside them or Transform is an `InvalidDefinition`. The exact wording of
  AWS's message is silent in the docs; this one follows the `SCHEMA_VALIDATION_FAILED: … at
  /States/<state>/Parameters` form. A static Method outside the list is refused at create
  time too; a Method from a path is checked at run time (`States.Runtime`).
- R3 Any field may be given by a path (`"Method.$": "$.m"`) — "a combination of static
  JSON and JsonPath syntax" [HTTP]. That includes `ConnectionArn.$`: the docs do not single
  it out (silent on whether AWS resolves the connection per execution; the BDD state
  machine relies on it — to confirm on a real account).
- R4 ApiEndpoint is an HTTPS URL (https only on AWS; http:// is accepted here so that tests
  stay on 127.0.0.1). QueryParameters (string, array or object) are appended to the URL and
  URL-encoded; a list value repeats the key (silent on arrays: this emulation's choice).

Headers [HTTP "Headers", "Merging EventBridge connection and HTTP Task definition data"]:
- H1 These headers may not be set by the task; using one fails the task with `States.Runtime`
  (at run time): A-IM, Accept-Charset, Accept-Datetime, Accept-Encoding, **Authorization**,
  Cache-Control, Connection, Content-Encoding, Content-MD5, Date, Expect, Forwarded, From,
  Host, HTTP2-Settings, If-Match, If-Modified-Since, If-None-Match, If-Range,
  If-Unmodified-Since, Max-Forwards, Origin, Pragma, Proxy-Authorization, Referer, Server,
  TE, Trailer, Transfer-Encoding, Upgrade, Via, Warning, x-forwarded-*, x-amz-*, x-amzn-*.
  Authentication belongs in the connection ("We recommend that you do not include
  authentication details … in the Headers field"). Enforced (case-insensitive names).
- H2 The connection's headers (its auth header — BASIC `Authorization: Basic …`, API_KEY
  `<ApiKeyName>: <ApiKeyValue>` — and its InvocationHttpParameters.HeaderParameters) are added
  to the task's; on the same name the connection's value wins. Enforced.
- H3 Step Functions sets `User-Agent: Amazon|StepFunctions|HttpInvoke|<region>`,
  `Range: bytes=0-262144` and `Host`. Enforced; the docs are silent on a task overriding
  User-Agent or Range (not in H1): here Step Functions' values win.
- H4 A JSON body goes with `Content-Type: application/json; charset=UTF-8` unless the task or
  connection sets one (the documented merged request shows it). Enforced.

Query and body merging [HTTP "Merging …"]:
- M1 The connection's QueryStringParameters are added; on the same key the connection wins.
- M2 The connection's BodyParameters are merged into an object RequestBody; the connection
  wins on the same key. A string RequestBody with non-empty connection body parameters
  fails with `States.Runtime`. Transformations apply after merging. Enforced.
- M3 OAuth connections: not emulated (BASIC and API_KEY are); a task using one fails
  clearly (States.Runtime).

Transform [HTTP "Transform", "Applying URL-encoding on request body"]:
- T1 `RequestBodyEncoding`: `NONE` (default; the body is the serialized JSON of RequestBody)
  or `URL_ENCODED` (form data). `RequestEncodingOptions.ArrayFormat`: `INDICES` (default,
  `array[0]=a&array[1]=b`), `REPEAT` (`array=a&array=b`), `COMMAS` (`array=a,b`),
  `BRACKETS` (`array[]=a&array[]=b`). Nested objects become `key[sub]=v`, and keys and
  values are percent-encoded (space → %20, [ ] → %5B %5D), as in the documented Stripe
  request. The task "must also specify" `content-type: application/x-www-form-urlencoded`;
  silent on what happens without it: sent without one here. Enforced; static values outside
  these are refused at create time.

Output and errors:
- O1 2xx: the task's result. Silent in the Step Functions guide on its fields; this emulation
  (and the AWS CDK docs' `$states.result.ResponseBody`) use `{"StatusCode", "StatusText",
  "Headers": {name: [values]}, "ResponseBody"}`, ResponseBody parsed when the answer is JSON.
- O2 Non-2xx: the task fails with error `States.Http.StatusCode.<code>` (the documented
  example's Retry/Catch on `States.Http.StatusCode.429`, `…404` [HTTP "HTTP Task example"]).
  The `Cause` is documented only as "a human-readable description of the error" [ERR "Error
  output"]; this emulation puts the task output (O1) there as a JSON string, which is
  undocumented: the BDD state machine reads only the status (from the error name) and
  carries the cause as text; the harness may decode it, but does not rely on it.
- O3 No answer within 60 s: `States.Http.Socket` [ERR "States.Http.Socket"; QUOTA "HTTP Task
  duration … 60 seconds (Hard quota)"; TASK: the HTTP task timeout is at most 60 s even when
  TimeoutSeconds is larger]. Refused or reset connections: silent; `States.Http.Socket` here.
- O4 The response content-type is `application/octet-stream`, `image/*`, `video/*` or
  `audio/*`, or the body is not a valid string: `States.Runtime` [HTTP "Unsupported HTTP
  Task responses"]. Enforced.
- O5 Connection problems fail with `Events.ConnectionResource.*` (e.g. ResourceNotFound)
  [HTTP "Connection errors"]. Enforced for an unknown connection.
- O6 `States.ALL` does not catch `States.Runtime` (nor `States.DataLimitExceeded`) [ERR]. Not
  enforced: moto's States.ALL catches it (a Fail state re-raising it gives the same result).
- O7 Task input/output at most 256 KiB (UTF-8), else `States.DataLimitExceeded` [QUOTA "Maximum
  input or output size", ERR]. Left to moto.
- O8 Redirects: silent; not followed here (a 3xx is a non-2xx answer).
- O9 HTTP Tasks are throttled (bucket 300, 300/s) [QUOTA]. Not emulated.

JSONata [JSONATA]: `"QueryLanguage": "JSONata"` (top level or per state) replaces Parameters &c.
with `Arguments` and `Output` and `{% … %}` expressions. moto 5.2 evaluates JSONata only with a
Java runtime (jpype), which this project does not have, so any definition using it is refused
at create time with an InvalidDefinition saying so, instead of an opaque TypeError at run time.
"""

from __future__ import annotations

import base64
import http
import json
import re
import threading
from dataclasses import dataclass
from importlib import metadata
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import httpx

from odmd_bdd import tls
from odmd_bdd.errors import OdmdError

TESTED_MOTO = ((5, 2, 5), (5, 2, 7))  # [lower, upper) on releases — keep in step with pyproject's moto pin
# Patch-level, since moto 5.2.6 (a patch release) changed the error classes this extension raises.
HTTP_TASK_TIMEOUT_S = 60.0  # O3: AWS stops an HTTP Task's call after 60 s (States.Http.Socket)
RESOURCE = "arn:aws:states:::http:invoke"
METHODS = frozenset({"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"})  # R2
REQUIRED_PARAMETERS = ("ApiEndpoint", "Method")  # R2 (plus one of CONNECTION_FIELDS)
CONNECTION_FIELDS = ("Authentication", "InvocationConfig")  # R2: either, not both
OPTIONAL_PARAMETERS = ("Headers", "QueryParameters", "Transform", "RequestBody")  # R2
PARAMETERS = frozenset(REQUIRED_PARAMETERS + CONNECTION_FIELDS + OPTIONAL_PARAMETERS)
BODY_ENCODINGS = frozenset({"NONE", "URL_ENCODED"})  # T1
ARRAY_FORMATS = frozenset({"INDICES", "REPEAT", "COMMAS", "BRACKETS"})  # T1
USER_AGENT = "Amazon|StepFunctions|HttpInvoke|{region}"  # H3
RANGE = "bytes=0-262144"  # H3
# H1: the headers an HTTP Task may not set (call-https-apis, "Headers"); States.Runtime.
FORBIDDEN_HEADERS = frozenset(
    h.lower()
    for h in (
        "A-IM",
        "Accept-Charset",
        "Accept-Datetime",
        "Accept-Encoding",
        "Authorization",
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
# O4: answers an HTTP Task cannot return (call-https-apis, "Unsupported HTTP Task responses").
UNSUPPORTED_MEDIA_TYPES = frozenset({"application/octet-stream"})
UNSUPPORTED_MEDIA_PREFIXES = ("image/", "video/", "audio/")
STATUS_ERROR_PREFIX = "States.Http.StatusCode."
SOCKET_ERROR = "States.Http.Socket"
CONNECTION_NOT_FOUND_ERROR = "Events.ConnectionResource.ResourceNotFound"


class MotoVersionError(OdmdError):
    """The installed moto is outside the range this extension was tested with."""


class DefinitionError(ValueError):
    """A definition breaks a create-time rule; CreateStateMachine answers InvalidDefinition."""


@dataclass
class Settings:
    http_timeout_s: float = HTTP_TASK_TIMEOUT_S


settings = Settings()
_lock = threading.Lock()
_client_lock = threading.Lock()
_originals: dict[str, Any] = {}
_client: httpx.Client | None = None


# -- version guard and installation ----------------------------------------------------------


def _wanted() -> str:
    (lo, hi) = TESTED_MOTO
    return f">={'.'.join(map(str, lo))},<{'.'.join(map(str, hi))}"


def _release(version: str) -> tuple[int, ...] | None:
    """(5, 2, 6) of "5.2.6" or "5.2.6.dev3"; None when it has no three leading numbers."""
    match = re.match(r"(\d+)\.(\d+)\.(\d+)", version)
    return tuple(int(part) for part in match.groups()) if match else None


def check_moto_version(version: str | None = None) -> str:
    """Return the moto version if it is in the tested range, else raise MotoVersionError."""
    if version is None:
        try:
            version = metadata.version("moto")
        except metadata.PackageNotFoundError:
            raise MotoVersionError(f"moto is not installed; the embedded AWS needs moto[server]{_wanted()}") from None
    (lo, hi) = TESTED_MOTO
    wanted = _wanted()
    release = _release(version)
    if release is None or not (lo <= release < hi):
        raise MotoVersionError(
            f"odmd_bdd.aws.http_invoke patches moto's Step Functions interpreter and was tested with moto{wanted}; "
            f"the installed moto is {version}. Install moto[server]{wanted} (the range pyproject pins), "
            "or re-test the extension against this moto and widen TESTED_MOTO"
        )
    return version


def install(*, http_timeout_s: float | None = None) -> None:
    """Make moto's Step Functions accept and run `arn:aws:states:::http:invoke` Tasks.

    Idempotent; a second call only updates the settings given. Raises MotoVersionError when
    the installed moto is outside the tested range.
    """
    check_moto_version()
    if http_timeout_s is not None:
        if http_timeout_s <= 0:
            raise ValueError(f"http_timeout_s must be positive, got {http_timeout_s}")
        settings.http_timeout_s = float(http_timeout_s)
    with _lock:
        if _originals:
            return
        factory, custom_error_name, state_fail, backend_cls, invalid_definition = _patch_targets()
        original_service_for = factory.state_task_service_for
        original_init = custom_error_name.CustomErrorName.__init__
        error_name_init = custom_error_name.ErrorName.__init__
        original_validate = backend_cls.__dict__["_validate_definition"]
        moto_validate = original_validate.__func__

        def state_task_service_for(service_name: str) -> Any:
            if service_name == "http":
                return _service_class()()
            return original_service_for(service_name=service_name)

        def custom_error_name_init(self: Any, error_name: str | None) -> None:
            if error_name is not None and error_name.startswith("States.Http."):
                error_name_init(self, error_name=error_name)  # skip moto's "no States. prefix" check
                return
            original_init(self, error_name)

        moto_error_name: Any = custom_error_name.CustomErrorName

        class FailStateErrorName(moto_error_name):
            def __init__(self, error_name: str | None):
                error_name_init(self, error_name=error_name)

        def validate(definition: str) -> None:
            try:
                validate_definition(definition)
            except DefinitionError as exc:
                raise invalid_definition(f"Invalid State Machine Definition: '{exc}'") from None
            moto_validate(definition=definition)

        _originals["service_for"] = original_service_for
        _originals["error_init"] = original_init
        _originals["fail_error_name"] = state_fail.CustomErrorName
        _originals["validate"] = original_validate
        factory.state_task_service_for = state_task_service_for
        custom_error_name.CustomErrorName.__init__ = custom_error_name_init
        state_fail.CustomErrorName = FailStateErrorName
        backend_cls._validate_definition = staticmethod(validate)


def uninstall() -> None:
    """Put moto's own functions back (state machines already created keep their HTTP Tasks)."""
    with _lock:
        if not _originals:
            return
        factory, custom_error_name, state_fail, backend_cls, _ = _patch_targets()
        factory.state_task_service_for = _originals.pop("service_for")
        custom_error_name.CustomErrorName.__init__ = _originals.pop("error_init")
        state_fail.CustomErrorName = _originals.pop("fail_error_name")
        backend_cls._validate_definition = _originals.pop("validate")


def installed() -> bool:
    return bool(_originals)


def _patch_targets() -> tuple[Any, Any, Any, Any, Any]:
    try:
        from moto.stepfunctions.parser.api import InvalidDefinition
        from moto.stepfunctions.parser.asl.component.common.error_name import custom_error_name
        from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory
        from moto.stepfunctions.parser.asl.component.state.fail import state_fail
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    except ImportError as exc:
        raise MotoVersionError(
            f"moto's Step Functions interpreter is not where this extension expects it ({exc}); "
            f"it was tested with moto{_wanted()}"
        ) from None
    if not callable(getattr(state_task_factory, "state_task_service_for", None)):
        raise MotoVersionError("moto's state_task_factory has no state_task_service_for; the patch point moved")
    if getattr(state_fail, "CustomErrorName", None) is None:
        raise MotoVersionError("moto's state_fail no longer uses CustomErrorName; the patch point moved")
    if not isinstance(StepFunctionsParserBackend.__dict__.get("_validate_definition"), staticmethod):
        raise MotoVersionError("moto's StepFunctionsParserBackend._validate_definition moved; the patch point moved")
    return state_task_factory, custom_error_name, state_fail, StepFunctionsParserBackend, InvalidDefinition


# -- create-time rules (plain JSON in, DefinitionError out) -----------------------------------


def validate_definition(definition: str) -> None:
    """Apply the create-time rules (R1, R2, T1, JSONata) to an ASL text; raise DefinitionError."""
    try:
        root = json.loads(definition)
    except ValueError:
        return  # moto's own parser reports malformed JSON
    if not isinstance(root, dict):
        return
    _check_machine(root, "")


def _check_machine(machine: dict[str, Any], where: str) -> None:
    if machine.get("QueryLanguage") == "JSONata":
        raise DefinitionError(_jsonata_refusal(f"{where}/QueryLanguage"))
    states = machine.get("States")
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        at = f"{where}/States/{name}"
        if state.get("QueryLanguage") == "JSONata":
            raise DefinitionError(_jsonata_refusal(f"{at}/QueryLanguage"))
        for i, branch in enumerate(state.get("Branches") or []):
            if isinstance(branch, dict):
                _check_machine(branch, f"{at}/Branches[{i}]")
        for key in ("Iterator", "ItemProcessor"):
            if isinstance(state.get(key), dict):
                _check_machine(state[key], f"{at}/{key}")
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str) and resource.startswith(RESOURCE):
            _check_http_task(state, at)


def _jsonata_refusal(at: str) -> str:
    return (
        f"SCHEMA_VALIDATION_FAILED: JSONata at {at} is not supported by the embedded AWS "
        "(moto 5.2 evaluates JSONata only with a Java runtime, which odmd-bdd does not ship); "
        "write this state machine in JSONPath"
    )


def _check_http_task(state: dict[str, Any], at: str) -> None:
    if state["Resource"] != RESOURCE:
        return  # R1: .sync / .waitForTaskToken are refused when moto builds the state
    params = state.get("Parameters")
    where = f"{at}/Parameters"
    if not isinstance(params, dict):
        raise DefinitionError(f"SCHEMA_VALIDATION_FAILED: an HTTP Task needs Parameters at {at}")
    fields = {_field(key): key for key in params}
    for name in sorted(set(fields) - PARAMETERS):
        raise DefinitionError(
            f"SCHEMA_VALIDATION_FAILED: The field '{fields[name]}' is not supported by Step Functions at {where} "
            f"(an HTTP Task takes {', '.join(sorted(PARAMETERS))})"
        )
    for name in REQUIRED_PARAMETERS:
        if name not in fields:
            raise DefinitionError(
                f"SCHEMA_VALIDATION_FAILED: The field '{name}' is required but was missing at {where}"
            )
    given = [name for name in CONNECTION_FIELDS if name in fields]
    if len(given) != 1:
        raise DefinitionError(
            f"SCHEMA_VALIDATION_FAILED: an HTTP Task needs exactly one of Authentication or InvocationConfig "
            f"(with a ConnectionArn) at {where}, got {', '.join(given) or 'neither'}"
        )
    _check_object(params, fields[given[0]], {"ConnectionArn"}, {"ConnectionArn"}, where)
    method = params.get("Method")
    if "Method" in params and (not isinstance(method, str) or method not in METHODS):
        raise DefinitionError(
            f"SCHEMA_VALIDATION_FAILED: The value for the field 'Method' must be one of "
            f"{', '.join(sorted(METHODS))} at {where}, got {method!r}"
        )
    if "Transform" in params:
        transform = _check_object(params, "Transform", {"RequestBodyEncoding", "RequestEncodingOptions"}, set(), where)
        if transform is None:
            return
        encoding = transform.get("RequestBodyEncoding")
        if "RequestBodyEncoding" in transform and encoding not in BODY_ENCODINGS:
            raise DefinitionError(
                f"SCHEMA_VALIDATION_FAILED: RequestBodyEncoding must be NONE or URL_ENCODED at {where}/Transform, "
                f"got {encoding!r}"
            )
        if "RequestEncodingOptions" in transform:
            options = _check_object(transform, "RequestEncodingOptions", {"ArrayFormat"}, set(), f"{where}/Transform")
            array_format = (options or {}).get("ArrayFormat")
            if options and "ArrayFormat" in options and array_format not in ARRAY_FORMATS:
                raise DefinitionError(
                    f"SCHEMA_VALIDATION_FAILED: ArrayFormat must be one of {', '.join(sorted(ARRAY_FORMATS))} "
                    f"at {where}/Transform/RequestEncodingOptions, got {array_format!r}"
                )


def _field(key: str) -> str:
    return key[:-2] if key.endswith(".$") else key


def _check_object(
    parent: dict[str, Any], key: str, allowed: set[str], required: set[str], where: str
) -> dict[str, Any] | None:
    """The static object at parent[key] checked for unknown/missing keys; None when it is a path."""
    if key.endswith(".$") or _field(key) + ".$" in parent:
        return None
    value = parent.get(key)
    if not isinstance(value, dict):
        raise DefinitionError(f"SCHEMA_VALIDATION_FAILED: The field '{key}' must be an object at {where}")
    fields = {_field(k): k for k in value}
    for name in sorted(set(fields) - allowed):
        raise DefinitionError(
            f"SCHEMA_VALIDATION_FAILED: The field '{fields[name]}' is not supported by Step Functions at {where}/{key}"
        )
    for name in sorted(required - set(fields)):
        raise DefinitionError(
            f"SCHEMA_VALIDATION_FAILED: The field '{name}' is required but was missing at {where}/{key}"
        )
    return value


# -- the HTTP call (no moto here: plain data in, plain data or HttpTaskError out) ----------------


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
    """Validate the evaluated ApiEndpoint and Method (R2, R4); return (METHOD, split URL). ValueError → States.Runtime."""
    endpoint = params.get("ApiEndpoint")
    if not isinstance(endpoint, str) or not endpoint:
        raise ValueError("the HTTP Task needs an ApiEndpoint (a URL string)")
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"ApiEndpoint must be an http(s) URL, got {endpoint!r}")
    method = params.get("Method")
    if not isinstance(method, str) or method.upper() not in METHODS:
        raise ValueError(f"Method must be one of {', '.join(sorted(METHODS))}, got {method!r}")
    return method.upper(), parts


def connection_arn(params: dict[str, Any]) -> str:
    """R2: the ConnectionArn from InvocationConfig or Authentication. ValueError → States.Runtime."""
    for name in CONNECTION_FIELDS:
        block = params.get(name)
        if isinstance(block, dict) and isinstance(block.get("ConnectionArn"), str) and block["ConnectionArn"]:
            return str(block["ConnectionArn"])
    raise ValueError(
        "the HTTP Task needs InvocationConfig.ConnectionArn or Authentication.ConnectionArn (an EventBridge connection ARN)"
    )


def build_request(
    params: dict[str, Any], connection: dict[str, Any] | None = None, region: str = "us-east-1"
) -> HttpRequest:
    """The request an HTTP Task's Parameters describe, merged with the connection (H2, M1, M2, T1, H3, H4).
    ValueError (→ States.Runtime) when invalid."""
    method, parts = check_parameters(params)
    headers = _task_headers(params.get("Headers"))
    query = parse_qsl(parts.query, keep_blank_values=True) + _query_pairs(params.get("QueryParameters"))
    body = params.get("RequestBody")

    if connection is not None:
        headers = _merge(headers, _connection_headers(connection), case_insensitive=True)  # H2
        query = _merge(query, _connection_pairs(connection, "QueryStringParameters"), case_insensitive=False)  # M1
        extra_body = _connection_pairs(connection, "BodyParameters")
        if extra_body:  # M2
            if isinstance(body, str):
                raise ValueError(
                    "the RequestBody is a string and the connection has body parameters: "
                    "Step Functions cannot merge them (States.Runtime)"
                )
            if body is None:
                body = {}
            if not isinstance(body, dict):
                raise ValueError("the connection adds body parameters but the RequestBody is not an object")
            body = {**body, **dict(extra_body)}

    encoding, array_format = _transform(params.get("Transform"))
    content = None
    if body is not None:
        if encoding == "URL_ENCODED":  # T1, after merging
            content = form_encode(body, array_format).encode()
        elif isinstance(body, str):
            content = body.encode()
        else:
            content = json.dumps(body, separators=(",", ":")).encode()
            if not any(name.lower() == "content-type" for name, _ in headers):  # H4
                headers.append(("Content-Type", "application/json; charset=UTF-8"))
    managed = [("User-Agent", USER_AGENT.format(region=region)), ("Range", RANGE)]  # H3
    headers = _merge(headers, managed, case_insensitive=True)
    url = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))
    return HttpRequest(method=method, url=url, headers=headers, content=content)


def _merge(
    base: list[tuple[str, str]], winners: list[tuple[str, str]], *, case_insensitive: bool
) -> list[tuple[str, str]]:
    """`base` with every name `winners` has replaced by the winners' values (H2, M1, H3)."""

    def norm(name: str) -> str:
        return name.lower() if case_insensitive else name

    taken = {norm(name) for name, _ in winners}
    return [(n, v) for n, v in base if norm(n) not in taken] + list(winners)


def _transform(raw: Any) -> tuple[str, str]:
    """T1: (RequestBodyEncoding, ArrayFormat), defaults NONE and INDICES. ValueError → States.Runtime."""
    if raw is None:
        return "NONE", "INDICES"
    if not isinstance(raw, dict):
        raise ValueError(f"Transform must be an object, got {type(raw).__name__}")
    encoding = raw.get("RequestBodyEncoding", "NONE")
    if encoding not in BODY_ENCODINGS:
        raise ValueError(f"RequestBodyEncoding must be NONE or URL_ENCODED, got {encoding!r}")
    options = raw.get("RequestEncodingOptions") or {}
    array_format = options.get("ArrayFormat", "INDICES") if isinstance(options, dict) else None
    if array_format not in ARRAY_FORMATS:
        raise ValueError(f"ArrayFormat must be one of {', '.join(sorted(ARRAY_FORMATS))}, got {array_format!r}")
    return encoding, array_format


def form_encode(body: Any, array_format: str = "INDICES") -> str:
    """T1: a RequestBody as form data — nested objects as key[sub], arrays by ArrayFormat,
    keys and values percent-encoded (space as %20)."""
    if isinstance(body, str):
        return body
    if not isinstance(body, dict):
        raise ValueError(f"a URL_ENCODED RequestBody must be an object, got {type(body).__name__}")
    pairs: list[tuple[str, str]] = []

    def walk(key: str, value: Any) -> None:
        if isinstance(value, dict):
            for sub, item in value.items():
                walk(f"{key}[{sub}]", item)
        elif isinstance(value, list):
            if array_format == "COMMAS":
                pairs.append((key, ",".join(_scalar(v) for v in value)))
                return
            for i, item in enumerate(value):
                name = {"INDICES": f"{key}[{i}]", "BRACKETS": f"{key}[]"}.get(array_format, key)
                walk(name, item)
        else:
            pairs.append((key, _scalar(value)))

    for key, value in body.items():
        walk(str(key), value)
    return "&".join(f"{quote(k, safe='')}={quote(v, safe=',')}" for k, v in pairs)


def _task_headers(raw: Any) -> list[tuple[str, str]]:
    """The task's Headers; H1 (a forbidden name → ValueError → States.Runtime)."""
    if raw is None:
        return []
    if not isinstance(raw, dict):
        raise ValueError(f"Headers must be an object of name: value, got {type(raw).__name__}")
    out = []
    for name, value in raw.items():
        lower = name.lower()
        if lower in FORBIDDEN_HEADERS or lower.startswith(FORBIDDEN_HEADER_PREFIXES):
            hint = " (put credentials in the EventBridge connection)" if lower == "authorization" else ""
            raise ValueError(
                f"The 'Headers' field contains unsupported values: [{name}] "
                f"(a header AWS does not let an HTTP Task set){hint}"
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
    # H2: the connection's own header parameters win over its auth header too (same name: last wins)
    return _merge(out, _connection_pairs(conn, "HeaderParameters"), case_insensitive=True)


def _connection_pairs(conn: dict[str, Any], kind: str) -> list[tuple[str, str]]:
    invocation = (conn.get("AuthParameters") or {}).get("InvocationHttpParameters") or {}
    return [(p["Key"], _scalar(p.get("Value"))) for p in invocation.get(kind) or [] if "Key" in p]


def send(request: HttpRequest, timeout_s: float | None = None) -> dict[str, Any]:
    """Send the request; return the HTTP Task output (O1) or raise HttpTaskError (O2, O3) / ValueError (O4)."""
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
    """O1; O4 (an answer AWS cannot return → ValueError → States.Runtime)."""
    headers: dict[str, list[str]] = {}
    for raw_name, raw_value in resp.headers.raw:
        headers.setdefault(raw_name.decode("latin-1"), []).append(raw_value.decode("latin-1"))
    media = (resp.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media in UNSUPPORTED_MEDIA_TYPES or media.startswith(UNSUPPORTED_MEDIA_PREFIXES):
        raise ValueError(f"the HTTP Task cannot return an answer of content-type {media} (States.Runtime)")
    try:
        text = resp.content.decode(resp.encoding or "utf-8")
    except (UnicodeDecodeError, LookupError):
        raise ValueError("the answer's body can't be read as a valid string (States.Runtime)") from None
    body: Any = text
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
                verify=tls.context(),
                follow_redirects=False,
                limits=httpx.Limits(max_connections=50, max_keepalive_connections=10),
            )
        return _client


def lookup_connection(arn: str) -> dict[str, Any]:
    """The EventBridge connection `arn` as moto (in this process) holds it, or HttpTaskError (O5)."""
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


def invoke(params: dict[str, Any], region: str = "us-east-1") -> dict[str, Any]:
    """Run one HTTP Task with these (already evaluated) Parameters."""
    check_parameters(params)
    _task_headers(params.get("Headers"))
    _transform(params.get("Transform"))
    connection = lookup_connection(connection_arn(params))
    return send(build_request(params, connection, region=region))


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
    from moto.stepfunctions.parser.asl.eval.event import event_detail

    event_details: Any = event_detail.EventDetails  # a TypedDict: only the one key a TaskFailed event has

    class HttpErrorName(ErrorName):
        """An error name of the HTTP Task (States.Http.*, Events.*); matched like a custom name."""

    class StateTaskServiceHttp(StateTaskService):
        def from_state_props(self, state_props: Any) -> None:
            super().from_state_props(state_props)
            if self.resource.condition:
                raise ValueError(
                    f"{self.resource.resource_arn}: an HTTP Task supports only the request-response "
                    "integration pattern (no .sync or .waitForTaskToken)"
                )

        def _get_supported_parameters(self) -> set[str] | None:
            return set(PARAMETERS) if self.resource.api_action.lower() == "invoke" else None

        def _eval_service_task(
            self, env: Any, resource_runtime_part: Any, normalised_parameters: dict, state_credentials: Any
        ) -> None:
            env.stack.append(invoke(normalised_parameters, region=resource_runtime_part.region))

        def _from_error(self, env: Any, ex: Exception) -> Any:
            if isinstance(ex, HttpTaskError):
                return FailureEvent(
                    env=env,
                    error_name=HttpErrorName(error_name=ex.error),
                    event_type=HistoryEventType.TaskFailed,
                    event_details=event_details(
                        taskFailedEventDetails=TaskFailedEventDetails(
                            error=ex.error,
                            cause=ex.cause,
                            resource=self._get_sfn_resource(),
                            resourceType=self._get_sfn_resource_type(),
                        )
                    ),
                )
            return super()._from_error(env=env, ex=ex)

    _service_cls = StateTaskServiceHttp
    return _service_cls
