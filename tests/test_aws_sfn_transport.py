"""The BDD state machine deployed on the embedded AWS, driven by run_exchange."""

from __future__ import annotations

import json
import time

import pytest

from odmd_bdd.aws import (
    ExecutionDeadlineExceeded,
    ExecutionFailed,
    SfnCallError,
    deploy_bdd_state_machine,
    exchange_request,
    flat_headers,
    render_definition,
    run_exchange,
)
from odmd_bdd.aws.answers import http_answer
from odmd_bdd.aws.connections import AuthConnections
from odmd_bdd.aws.deploy import definition_template
from odmd_bdd.errors import TransportError
from tests.aws_support import embedded_aws, http_server, refused_url  # noqa: F401  (fixtures)


@pytest.fixture(scope="module")
def bdd_machine(embedded_aws) -> str:
    return deploy_bdd_state_machine(embedded_aws)


@pytest.fixture(scope="module")
def sfn(embedded_aws):
    return embedded_aws.client("stepfunctions")


def test_the_shipped_definition_has_its_placeholder_and_renders_to_json():
    """Relies on deploy.py rule 7 (top-level TimeoutSeconds)."""
    assert "${ConnectionArn}" in definition_template()
    rendered = json.loads(render_definition("arn:aws:events:us-east-1:1:connection/c/u"))
    tasks = [s for s in rendered["States"].values() if s["Type"] == "Task"]
    assert tasks and all(t["Resource"] == "arn:aws:states:::http:invoke" for t in tasks)
    # the connection comes from the input (ConnectionArn) or, without one, from the deploy-time default
    assert all(t["Parameters"]["InvocationConfig"] == {"ConnectionArn.$": "$.ConnectionArn"} for t in tasks)
    assert rendered["States"]["DefaultConnection"]["Result"] == "arn:aws:events:us-east-1:1:connection/c/u"
    assert not any("Authorization" in json.dumps(t["Parameters"]) for t in tasks)
    # deploy.py rule 7: the top-level TimeoutSeconds bounds an execution, above the HTTP Task's 60 s
    assert rendered["TimeoutSeconds"] > 60


def test_deploying_twice_keeps_one_machine_and_one_connection(embedded_aws, bdd_machine, sfn):
    assert deploy_bdd_state_machine(embedded_aws) == bdd_machine
    names = [m["name"] for m in sfn.list_state_machines()["stateMachines"]]
    assert names.count("odmd-bdd-exchange") == 1
    described = sfn.describe_state_machine(stateMachineArn=bdd_machine)
    assert described["type"] == "STANDARD"
    conns = embedded_aws.client("events").list_connections()["Connections"]
    assert [c["Name"] for c in conns].count("odmd-bdd-dummy-basic") == 1


def test_a_200_exchange_round_trip(embedded_aws, sfn, bdd_machine, http_server):
    """The bearer token travels in an API_KEY connection named in the input, as AWS wants credentials
    (https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html, "Headers")."""
    connections = AuthConnections(embedded_aws.client("events"))
    request = exchange_request(
        f"{http_server.url}/json/identities",
        "post",
        query={"verbose": True},
        body={"user_id": "user_12345_system"},
        connection_arn=connections.arn_for("Bearer mock_temp_token_12345"),
    )
    out = run_exchange(sfn, bdd_machine, request)  # how long it takes is the bench's (bench/sfn_exchange.py)
    assert out["StatusCode"] == 200
    assert out["ResponseBody"]["path"] == "/json/identities"
    assert flat_headers(out["Headers"])["content-type"] == "application/json"
    seen = http_server.last()
    assert seen.method == "POST" and seen.query == {"verbose": ["true"]}
    assert json.loads(seen.body) == {"user_id": "user_12345_system"}
    assert seen.headers["authorization"] == "Bearer mock_temp_token_12345"


def test_two_processes_carrying_one_token_keep_their_own_connections(embedded_aws, sfn, bdd_machine, http_server):
    """xdist workers on one embedded AWS: moto's CreateConnection replaces a connection of the same
    name under a new ARN, so a shared name left the first worker's cached ARN pointing nowhere."""
    token = "Bearer mock_temp_token_12345"
    first, second = (AuthConnections(embedded_aws.client("events")) for _ in range(2))
    arns = [first.arn_for(token), second.arn_for(token)]
    assert arns[0] != arns[1]
    for arn in arns:
        request = exchange_request(f"{http_server.url}/json/e", "GET", connection_arn=arn)
        assert run_exchange(sfn, bdd_machine, request)["StatusCode"] == 200
        assert http_server.last().headers["authorization"] == token


def test_closing_the_transport_deletes_its_connections(embedded_aws, sfn, bdd_machine):
    """On AWS each connection holds a Secrets Manager secret: a run leaves none behind."""
    from odmd_bdd.transports import SfnTransport

    events = embedded_aws.client("events")
    connections = AuthConnections(events)
    transport = SfnTransport(sfn, bdd_machine, connections=connections)
    arn = connections.arn_for("Bearer mock_temp_token_12345")
    assert arn in [c["ConnectionArn"] for c in events.list_connections()["Connections"]]
    transport.close()
    assert arn not in [c["ConnectionArn"] for c in events.list_connections()["Connections"]]


def test_a_get_goes_without_a_body(sfn, bdd_machine, http_server):
    """Relies on deploy.py rule 1 (Choice IsPresent: no RequestBody, no ConnectionArn in the input)."""
    out = run_exchange(sfn, bdd_machine, exchange_request(f"{http_server.url}/json/e", "GET"))
    assert out["StatusCode"] == 200
    assert http_server.last().headers["authorization"].startswith("Basic ")  # the default (dummy) connection
    assert http_server.last().body == b"" and "content-length" not in http_server.last().headers


@pytest.mark.parametrize("status", [400, 401, 404, 409, 500])
def test_an_http_error_answer_is_an_observation_not_a_failure(sfn, bdd_machine, http_server, status):
    """Relies on deploy.py rules 2 (Choice StringMatches), 3 (Catch ResultPath) and 5 (intrinsic
    functions StringSplit / ArrayGetItem / StringToJson turn the error name into the status)."""
    raw = run_exchange(sfn, bdd_machine, exchange_request(f"{http_server.url}/status/{status}", "GET"))
    assert raw["StatusCode"] == status and raw["Failure"]["Error"] == f"States.Http.StatusCode.{status}"
    assert raw["ResponseBody"] is None  # the machine parses only the documented error name
    out = http_answer(raw)  # the harness decodes the cause when it carries the answer
    assert out["StatusCode"] == status
    assert out["ResponseBody"] == {"error": f"status {status}", "issues": [{"path": ["identity_id"]}]}
    assert flat_headers(out["Headers"])["content-type"] == "application/json"


def test_an_error_answer_to_a_request_with_a_body_is_an_observation(sfn, bdd_machine, http_server):
    """The machine has a Task with a body and one without; both must turn HTTP errors into answers."""
    request = exchange_request(f"{http_server.url}/status/400", "POST", body={"identity_id": None})
    out = http_answer(run_exchange(sfn, bdd_machine, request))
    assert out["StatusCode"] == 400 and out["ResponseBody"]["issues"] == [{"path": ["identity_id"]}]
    assert json.loads(http_server.last().body) == {"identity_id": None}


def test_a_status_error_whose_cause_is_not_json_still_yields_the_status(embedded_aws, sfn):
    """AWS does not document the cause of States.Http.StatusCode.*; the machine's fallback reads the
    status from the error name. Driven here by a Parallel whose branch fails like an HTTP Task."""
    definition = json.loads(render_definition("arn:aws:events:us-east-1:1:connection/c/u"))
    fake_task = {
        "Type": "Parallel",
        "Branches": [
            {
                "StartAt": "F",
                "States": {"F": {"Type": "Fail", "Error": "States.Http.StatusCode.418", "Cause": "short and stout"}},
            }
        ],
        "Catch": definition["States"]["Exchange"]["Catch"],
        "End": True,
    }
    definition["States"]["Exchange"] = fake_task
    arn = sfn.create_state_machine(
        name="fallback", definition=json.dumps(definition), roleArn=f"arn:aws:iam::{embedded_aws.account_id}:role/tests"
    )["stateMachineArn"]
    out = http_answer(run_exchange(sfn, arn, exchange_request("http://127.0.0.1:1/unused", "GET")))
    assert out == {"StatusCode": 418, "StatusText": "", "Headers": {}, "ResponseBody": "short and stout"}


def test_a_refused_connection_fails_the_execution_and_names_error_and_cause(sfn, bdd_machine):
    """Relies on deploy.py rules 2 (StringMatches: a socket error is no HTTP answer) and 6 (Fail
    ErrorPath / CausePath re-raise the caught error and cause)."""
    url = refused_url()
    with pytest.raises(ExecutionFailed) as err:
        run_exchange(sfn, bdd_machine, exchange_request(url, "GET"))
    failed = err.value
    assert isinstance(failed, AssertionError)
    assert failed.status == "FAILED"
    assert failed.error == "States.Http.Socket"
    assert url in failed.cause and "refused" in failed.cause.lower()
    assert failed.execution_arn.startswith("arn:aws:states:")
    message = str(failed)
    assert "FAILED" in message and "States.Http.Socket" in message and url in message
    assert failed.execution_arn in message


def test_an_input_without_headers_fails_the_execution_with_the_path_named(sfn, bdd_machine, http_server):
    """Relies on deploy.py rule 4 (States.ALL does not catch States.Runtime on AWS) and rule 6."""
    with pytest.raises(ExecutionFailed) as err:
        run_exchange(sfn, bdd_machine, {"ApiEndpoint": f"{http_server.url}/json/x", "Method": "GET"})
    assert err.value.status == "FAILED"
    assert "$.Headers" in (err.value.cause or "")


def test_an_execution_that_never_ends_is_stopped_at_the_deadline(embedded_aws, sfn):
    forever = sfn.create_state_machine(
        name="never-ends",
        roleArn=f"arn:aws:iam::{embedded_aws.account_id}:role/tests",
        definition=json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 86400, "End": True}}}),
    )["stateMachineArn"]
    started = time.perf_counter()
    with pytest.raises(ExecutionDeadlineExceeded) as err:
        run_exchange(sfn, forever, {}, deadline_s=1.0)
    elapsed = time.perf_counter() - started
    # Not before the deadline; no upper bound (a loaded machine may be late): a Wait of a day that
    # returns at all was stopped, and ABORTED below says by whom.
    assert elapsed >= 1.0, f"stopped after {elapsed:.2f}s, before the 1s deadline"
    assert "1s deadline" in str(err.value) and "stopped it" in str(err.value)
    # moto's StopExecution only signals the execution's thread, which marks it ABORTED when it next
    # runs (a loaded machine: after the call returns): poll for it.
    assert _status_once_settled(sfn, err.value.execution_arn) == "ABORTED"


def _status_once_settled(sfn, arn: str, deadline_s: float = 30.0) -> str:
    deadline = time.monotonic() + deadline_s
    while (status := sfn.describe_execution(executionArn=arn)["status"]) == "RUNNING" and time.monotonic() < deadline:
        time.sleep(0.02)  # poll: describe_execution until moto marks it, bounded by the deadline
    return status


def test_an_unknown_state_machine_is_a_transport_error_naming_it(embedded_aws, sfn):
    missing = f"arn:aws:states:us-east-1:{embedded_aws.account_id}:stateMachine:nope"
    with pytest.raises(SfnCallError) as err:
        run_exchange(sfn, missing, {})
    assert isinstance(err.value, TransportError)
    assert missing in str(err.value)


def test_a_nonpositive_deadline_is_refused(sfn, bdd_machine):
    with pytest.raises(ValueError, match="deadline_s"):
        run_exchange(sfn, bdd_machine, {}, deadline_s=0)


def test_exchange_request_shapes_the_input():
    assert exchange_request("http://h/x", "get") == {
        "ApiEndpoint": "http://h/x",
        "Method": "GET",
        "Headers": {},
        "QueryParameters": {},
    }
    assert exchange_request("http://h/x", "PUT", body={"a": 1})["RequestBody"] == {"a": 1}
    assert exchange_request("http://h/x", "POST", body=None, has_body=True)["RequestBody"] is None
    assert flat_headers({"Set-Cookie": ["a=1", "b=2"], "X": "y"}) == {"set-cookie": "a=1, b=2", "x": "y"}
