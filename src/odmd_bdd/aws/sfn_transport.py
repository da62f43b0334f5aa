"""The AWS side of the `sfn` transport: run one exchange through the BDD state machine.

No pytest here. `run_exchange()` starts an execution with the request as input and waits
for it (DescribeExecution, polled with backoff) up to a deadline; an EXPRESS machine is
run with StartSyncExecution instead (`express=True`). It returns the execution's parsed
output, or raises:
- `ExecutionFailed` (an AssertionError: the system under test did not answer) when the
  execution ends FAILED / TIMED_OUT / ABORTED — with status, error, cause, execution ARN;
- `ExecutionDeadlineExceeded` (a subclass) when it is still running at the deadline; the
  execution is stopped first (StopExecution), so nothing keeps running behind the test;
- `SfnCallError` (a TransportError) when Step Functions itself refuses a call (no such
  state machine, bad input JSON, endpoint unreachable).

`exchange_request()` builds the input the BDD state machine (state_machine.json) expects;
`flat_headers()` turns the HTTP Task's `{name: [values]}` headers into `{name: value}`.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from odmd_bdd.errors import TransportError

TERMINAL_FAILURES = ("FAILED", "TIMED_OUT", "ABORTED")
FIRST_POLL_S = 0.01
MAX_POLL_S = 0.5


class ExecutionFailed(AssertionError):
    """An execution ended without an answer: its status, error and cause, and its ARN."""

    def __init__(
        self, status: str, error: str | None, cause: str | None, execution_arn: str, message: str | None = None
    ):
        self.status = status
        self.error = error
        self.cause = cause
        self.execution_arn = execution_arn
        super().__init__(
            message
            or (
                f"Step Functions execution {status}: error={error or '-'} "
                f"cause={_short(cause)} (execution {execution_arn})"
            )
        )


class ExecutionDeadlineExceeded(ExecutionFailed):
    """The execution was still running at the deadline; it has been stopped."""


class SfnCallError(TransportError):
    """A Step Functions API call failed (the exchange never started or cannot be followed)."""


def exchange_request(
    api_endpoint: str,
    method: str,
    *,
    headers: dict[str, str] | None = None,
    query: dict[str, Any] | None = None,
    body: Any = None,
    has_body: bool | None = None,
    connection_arn: str | None = None,
) -> dict[str, Any]:
    """The BDD state machine's input. `body` is sent when given (or when `has_body` is True);
    `connection_arn` (the EventBridge connection carrying the credentials, see aws/connections.py)
    replaces the machine's default connection when given."""
    request: dict[str, Any] = {
        "ApiEndpoint": api_endpoint,
        "Method": method.upper(),
        "Headers": dict(headers or {}),
        "QueryParameters": dict(query or {}),
    }
    if has_body or (has_body is None and body is not None):
        request["RequestBody"] = body
    if connection_arn is not None:
        request["ConnectionArn"] = connection_arn
    return request


def flat_headers(headers: dict[str, Any] | None) -> dict[str, str]:
    """`{"Content-Type": ["application/json"]}` → `{"content-type": "application/json"}` (lower-case names)."""
    out: dict[str, str] = {}
    for name, value in (headers or {}).items():
        values = value if isinstance(value, list) else [value]
        out[name.lower()] = ", ".join(str(v) for v in values)
    return out


def run_exchange(
    sfn_client: Any,
    state_machine_arn: str,
    request: dict[str, Any],
    deadline_s: float = 30.0,
    *,
    express: bool = False,
    name: str | None = None,
) -> Any:
    """Run one execution with `request` as input and return its parsed output (see module doc)."""
    if deadline_s <= 0:
        raise ValueError(f"deadline_s must be positive, got {deadline_s}")
    deadline = time.monotonic() + deadline_s
    name = name or f"odmd-bdd-{uuid.uuid4()}"  # moto 5.2 names an unnamed execution "None": always name it
    payload = json.dumps(request)
    if express:
        return _run_sync(sfn_client, state_machine_arn, payload, name)
    started = _call(
        sfn_client.start_execution,
        f"StartExecution of {state_machine_arn}",
        stateMachineArn=state_machine_arn,
        name=name,
        input=payload,
    )
    arn = started["executionArn"]
    delay = FIRST_POLL_S
    while True:
        described = _call(sfn_client.describe_execution, f"DescribeExecution of {arn}", executionArn=arn)
        status = described["status"]
        if status == "SUCCEEDED":
            return _output(described.get("output"), arn)
        if status in TERMINAL_FAILURES:
            raise ExecutionFailed(status, described.get("error"), described.get("cause"), arn)
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            _stop(sfn_client, arn, deadline_s)
            raise ExecutionDeadlineExceeded(
                "ABORTED",
                "odmd-bdd.Deadline",
                f"still {status} after {deadline_s:g}s",
                arn,
                message=f"Step Functions execution {arn} was still {status} after the {deadline_s:g}s deadline; "
                "the harness stopped it (StopExecution). The state machine or the service it calls "
                "did not finish in time.",
            )
        time.sleep(min(delay, remaining))  # poll: DescribeExecution backoff, bounded by the deadline above
        delay = min(delay * 2, MAX_POLL_S)


def _run_sync(sfn_client: Any, state_machine_arn: str, payload: str, name: str) -> Any:
    # EXPRESS machines only; moto 5.2 has no StartSyncExecution, so this path is not exercised
    # by the embedded AWS. The SDK call itself is bounded by the client's read timeout.
    result = _call(
        sfn_client.start_sync_execution,
        f"StartSyncExecution of {state_machine_arn}",
        stateMachineArn=state_machine_arn,
        name=name,
        input=payload,
    )
    arn = result.get("executionArn", f"{state_machine_arn} (express {name})")
    if result.get("status") == "SUCCEEDED":
        return _output(result.get("output"), arn)
    raise ExecutionFailed(result.get("status", "UNKNOWN"), result.get("error"), result.get("cause"), arn)


def _stop(sfn_client: Any, arn: str, deadline_s: float) -> None:
    try:
        sfn_client.stop_execution(
            executionArn=arn,
            error="odmd-bdd.Deadline",
            cause=f"the harness's {deadline_s:g}s deadline for one exchange passed",
        )
    except Exception as exc:  # the deadline error below is the one to report; say the stop failed in it
        raise ExecutionDeadlineExceeded(
            "RUNNING",
            "odmd-bdd.Deadline",
            f"StopExecution failed: {exc}",
            arn,
            message=f"Step Functions execution {arn} was still running after the {deadline_s:g}s deadline "
            f"and could not be stopped: {exc}",
        ) from None


def _output(text: str | None, arn: str) -> Any:
    if text is None:
        return None
    try:
        return json.loads(text)
    except ValueError:
        raise ExecutionFailed("SUCCEEDED", "odmd-bdd.BadOutput", f"output is not JSON: {_short(text)}", arn) from None


def _call(method: Any, what: str, **kwargs: Any) -> Any:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        return method(**kwargs)
    except ClientError as exc:
        err = exc.response.get("Error", {})
        raise SfnCallError(f"{what} was refused: {err.get('Code', '?')}: {err.get('Message', exc)}") from None
    except BotoCoreError as exc:
        raise SfnCallError(f"{what} failed: {exc}") from None


def _short(text: str | None, limit: int = 500) -> str:
    if text is None:
        return "-"
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} chars)"
