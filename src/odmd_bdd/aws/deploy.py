"""The BDD state machine the harness expects a team to deploy, and deploying it.

`state_machine.json` (package data) is the ASL definition: one HTTP exchange per
execution, the `sfn` transport's way to a service — as the platform's own BDD does it.

Input (the execution input; `sfn_transport.exchange_request()` builds it):
    {"ApiEndpoint": url, "Method": "GET", "Headers": {...}, "QueryParameters": {...},
     "RequestBody": <any JSON, optional>, "ConnectionArn": <optional>}
`Headers` and `QueryParameters` must be present (use {}); `RequestBody` is optional: a
Choice sends the request through a Task with or without a body (JSONPath cannot drop an
absent field from Parameters, and the harness must not send a `null` body on a GET).

`ConnectionArn` names the EventBridge connection that carries the request's credentials
(aws/connections.py: an HTTP Task may not set `Authorization` in `Headers`, AWS documents);
without it the deploy-time connection (`${ConnectionArn}`, set by the `DefaultConnection`
Pass state) is used.

Output: `{"StatusCode", "StatusText", "Headers", "ResponseBody"}` — the HTTP Task's output —
for a 2xx; for any other answer `{"StatusCode", "StatusText": "", "Headers": {},
"ResponseBody": null, "Failure": {"Error", "Cause"}}` (aws/answers.py reads it).

The decision: every HTTP answer is an observation; only "no answer" fails the execution.
- An HTTP Task fails on any non-2xx answer (error `States.Http.StatusCode.<code>`). The
  harness checks error scenarios (400 with Zod issues, 401, 404, 409) by reading the
  status and body, exactly as on the http transport, so a 4xx — and a 5xx, which the
  contract check must also see — is caught and turned back into an ordinary output.
- Each Task has one Catch on `States.ALL` into a Choice that looks at the error name:
  `States.Http.StatusCode.*` → an answer. The machine reads only what AWS documents: the
  status from the error name, and the error output (`Error`, `Cause`) handed over as it is.
  AWS documents the Cause only as a human-readable string, so the machine never parses it;
  the harness (aws/answers.py) decodes it when it carries the answer, as
  odmd_bdd.aws.http_invoke's does (to confirm on a real account).
- Any other error (`States.Http.Socket`: refused, reset, no answer within 60 s;
  `States.Timeout`; `Events.ConnectionResource.*`; `States.TaskFailed`) goes to a Fail
  state that re-raises the same error and cause (`ErrorPath`/`CausePath`): the execution
  FAILS and the harness reports a transport failure naming them, never a fake status.
- Why not list the 4xx names in the Catch: ASL has no wildcard in ErrorEquals, so a list
  would silently turn an unlisted status (418, 422, 503…) into an execution failure.
- `States.Runtime` (bad input, e.g. a missing `Headers`) is not caught by `States.ALL` on
  AWS, so it fails the execution directly; moto's States.ALL does catch it, and the Fail
  state then re-raises it unchanged — same observable result.
- `TimeoutSeconds: 120` on the machine bounds an execution nobody stops.

The ASL rules the machine relies on beyond the HTTP Task (whose rules R1… are in
odmd_bdd.aws.http_invoke), each with where AWS documents it. Pages (all
https://docs.aws.amazon.com/step-functions/latest/dg/):
  [INTR]   intrinsic-functions.html ("Intrinsic functions for JSONPath states in Step Functions")
  [FAIL]   state-fail.html ("Fail workflow state")
  [CHOICE] state-choice.html ("Choice workflow state")
  [ERR]    concepts-error-handling.html ("Handling errors in Step Functions workflows")
  [TOP]    statemachine-structure.html ("State machine structure in Amazon States Language")
Tests name the rule they rely on (tests/test_aws_sfn_transport.py).
1. Choice `IsPresent` [CHOICE "Data-test expression", IsPresent]: `$.ConnectionArn` and
   `$.RequestBody` may be absent from the input; `"IsPresent": true` tests for the field
   without failing on its absence (HasConnection, HasRequestBody), so a GET goes without a body
   and an input without ConnectionArn takes the deploy-time connection.
2. Choice `StringMatches` [CHOICE "Data-test expression", StringMatches]: a pattern whose
   `*` matches any run of characters; `"States.Http.StatusCode.*"` tells an HTTP answer from
   every other error (IsHttpAnswer). ErrorEquals itself has no wildcard [ERR].
3. Catch `ResultPath` [ERR "Catch fallback states", "Error output"]: a caught error's output is
   `{"Error", "Cause"}`; `"ResultPath": "$.Failure"` places it beside the original input, so
   the next state still has the request and the error (ExchangeWithBody, Exchange).
4. `States.ALL` [ERR "Error names"]: matches any error name except `States.Runtime` (and
   `States.DataLimitExceeded`), which fail the execution directly — so bad input (no `Headers`)
   fails the execution even though the Task catches States.ALL.
5. Intrinsic functions [INTR]: in a Parameters field whose name ends in `.$`,
   `States.StringSplit(string, delimiter)` → an array, `States.ArrayGetItem(array, index)` →
   the element (0-based), `States.StringToJson(string)` → the parsed JSON value. Together they
   turn `States.Http.StatusCode.404` into the number 404 (AnswerFromError): element 3 of the
   name split on '.'. String arguments are single-quoted.
6. Fail `ErrorPath` / `CausePath` [FAIL]: a Fail state takes its error and cause from the
   state input by reference path (instead of a static `Error`/`Cause`); NoAnswer re-raises the
   caught error and cause unchanged, so a failed execution names them.
7. Top-level `TimeoutSeconds` [TOP]: the longest an execution may run; past it the execution
   fails with `States.Timeout`. 120 s bounds an execution nobody stops (above the HTTP Task's
   60 s limit, [HTTP] in http_invoke).

`${ConnectionArn}` is substituted at deploy time (CloudFormation `DefinitionSubstitutions`
syntax, so a CDK stack can use the file as it is). The connection is an EventBridge
connection — a dummy basic-auth one when the API needs none.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

from odmd_bdd.errors import EnverError

DEFINITION_RESOURCE = "state_machine.json"
CONNECTION_PLACEHOLDER = "${ConnectionArn}"
DEFAULT_CONNECTION_NAME = "odmd-bdd-dummy-basic"
DEFAULT_STATE_MACHINE_NAME = "odmd-bdd-exchange"
# A dummy basic-auth connection, as the platform uses when the API needs no authorization.
DUMMY_BASIC_AUTH = {"BasicAuthParameters": {"Username": "odmd-bdd", "Password": "dummy"}}


def definition_template() -> str:
    """The ASL text with its `${ConnectionArn}` placeholder."""
    return resources.files(__package__).joinpath(DEFINITION_RESOURCE).read_text(encoding="utf-8")


def render_definition(connection_arn: str) -> str:
    """The ASL text ready for CreateStateMachine: placeholder substituted, checked to be JSON."""
    text = definition_template()
    if CONNECTION_PLACEHOLDER not in text:
        raise EnverError(f"{DEFINITION_RESOURCE} has no {CONNECTION_PLACEHOLDER} placeholder")
    rendered = text.replace(CONNECTION_PLACEHOLDER, connection_arn)
    json.loads(rendered)  # the ARN must not have broken the JSON (it has no quotes or backslashes)
    return rendered


def ensure_connection(
    events: Any, name: str = DEFAULT_CONNECTION_NAME, auth_parameters: dict[str, Any] | None = None
) -> str:
    """Create (or find) the EventBridge connection `name`; return its ARN."""
    try:
        return events.create_connection(
            Name=name, AuthorizationType="BASIC", AuthParameters=auth_parameters or DUMMY_BASIC_AUTH
        )["ConnectionArn"]
    except events.exceptions.ResourceAlreadyExistsException:
        return events.describe_connection(Name=name)["ConnectionArn"]


def deploy_bdd_state_machine(
    aws: Any,
    *,
    connection_name: str = DEFAULT_CONNECTION_NAME,
    state_machine_name: str = DEFAULT_STATE_MACHINE_NAME,
    role_arn: str | None = None,
) -> str:
    """Create the EventBridge connection and the BDD state machine (STANDARD); return its ARN.

    `aws` is anything with `client(service)`: an `EmbeddedAws`, or a boto3 Session (then
    `role_arn` is required: the machine's execution role). Re-deploying updates the machine
    in place and keeps the connection. The machine is created through the Step Functions
    API, never CloudFormation: moto does not execute CloudFormation-created machines.
    """
    if role_arn is None:
        account = getattr(aws, "account_id", None)
        if account is None:
            raise EnverError(
                "deploy_bdd_state_machine needs role_arn (the state machine's execution role) outside the embedded AWS"
            )
        role_arn = f"arn:aws:iam::{account}:role/odmd-bdd-states"
    connection_arn = ensure_connection(aws.client("events"), connection_name)
    definition = render_definition(connection_arn)
    sfn = aws.client("stepfunctions")
    existing = _find_state_machine(sfn, state_machine_name)
    if existing is not None:
        sfn.update_state_machine(stateMachineArn=existing, definition=definition, roleArn=role_arn)
        return existing
    return sfn.create_state_machine(name=state_machine_name, definition=definition, roleArn=role_arn, type="STANDARD")[
        "stateMachineArn"
    ]


def _find_state_machine(sfn: Any, name: str) -> str | None:
    for page in sfn.get_paginator("list_state_machines").paginate():
        for machine in page["stateMachines"]:
            if machine["name"] == name:
                return machine["stateMachineArn"]
    return None
