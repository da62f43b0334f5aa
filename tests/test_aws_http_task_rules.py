"""Conformance of the embedded HTTP Task (odmd_bdd.aws.http_invoke) with what AWS documents.

One test per documented rule; each docstring names the rule (as in http_invoke's module doc)
and the page it comes from. Pages:
HTTP  = https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html
ERR   = https://docs.aws.amazon.com/step-functions/latest/dg/concepts-error-handling.html
QUOTA = https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
JSONATA = https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html
"""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from botocore.exceptions import ClientError

from odmd_bdd.aws import http_invoke
from tests.aws_support import (  # noqa: F401  (fixtures)
    connection_arn,
    embedded_aws,
    http_server,
    http_task,
    run_to_end,
)


def _task(params):
    return {
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": "arn:aws:states:::http:invoke", "End": True, "Parameters": params}
        },
    }


def _refused_at_create(embedded_aws, definition) -> str:
    with pytest.raises(ClientError) as err:
        run_to_end(embedded_aws, definition)
    # moto's InvalidDefinition: HTTP 400; moto 5.2 serializes it with an empty Code (its own ASL errors too)
    assert err.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert err.value.response["Error"]["Code"] in ("InvalidDefinition", "")
    message = err.value.response["Error"]["Message"]
    assert message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED:"), message
    return message


# -- R2: parameters, checked at create time ----------------------------------------------------


def test_r2_an_unknown_parameter_is_refused_at_create_time(embedded_aws, connection_arn, http_server):
    """R2 — HTTP "HTTP Task fields" lists ApiEndpoint, Method, Authentication/InvocationConfig, Headers,
    QueryParameters, Transform, RequestBody; a misspelt `Body` must not silently send an empty POST."""
    definition = http_task(connection_arn, ApiEndpoint=f"{http_server.url}/json/x", Method="POST", Body={"a": 1})
    message = _refused_at_create(embedded_aws, definition)
    assert "'Body' is not supported" in message and "/States/Call/Parameters" in message


@pytest.mark.parametrize("missing", ["ApiEndpoint", "Method"])
def test_r2_a_missing_required_parameter_is_refused_at_create_time(embedded_aws, connection_arn, missing):
    """R2 — HTTP "HTTP Task fields": ApiEndpoint (Required), Method (Required)."""
    params = {"ApiEndpoint": "https://example.com/", "Method": "GET"}
    params.pop(missing)
    message = _refused_at_create(embedded_aws, http_task(connection_arn, **params))
    assert f"'{missing}' is required" in message


def test_r2_a_task_without_a_connection_is_refused_at_create_time(embedded_aws):
    """R2 — HTTP "HTTP Task fields": specify the connection with either Authentication or InvocationConfig,
    each with a required ConnectionArn."""
    message = _refused_at_create(embedded_aws, _task({"ApiEndpoint": "https://example.com/", "Method": "GET"}))
    assert "Authentication or InvocationConfig" in message
    message = _refused_at_create(
        embedded_aws, _task({"ApiEndpoint": "https://example.com/", "Method": "GET", "InvocationConfig": {}})
    )
    assert "'ConnectionArn' is required" in message


def test_r2_invocation_config_carries_the_connection(embedded_aws, connection_arn, http_server):
    """R2 — HTTP "HTTP Task fields": InvocationConfig.ConnectionArn (recommended over Authentication)."""
    definition = _task(
        {
            "ApiEndpoint": f"{http_server.url}/json/ic",
            "Method": "GET",
            "InvocationConfig": {"ConnectionArn": connection_arn},
        }
    )
    run = run_to_end(embedded_aws, definition)
    assert run["status"] == "SUCCEEDED", run
    assert http_server.last().headers["authorization"].startswith("Basic ")


def test_r2_a_static_method_outside_the_list_is_refused_at_create_time(embedded_aws, connection_arn):
    """R2 — HTTP "HTTP Task fields", Method: one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD."""
    message = _refused_at_create(embedded_aws, http_task(connection_arn, ApiEndpoint="https://e.com/", Method="FETCH"))
    assert "'Method' must be one of" in message


def test_r3_fields_given_by_a_path_are_accepted(embedded_aws, connection_arn, http_server):
    """R3 — HTTP "HTTP Task fields": Parameters are "a combination of static JSON and JsonPath syntax"
    (`"Method.$": "$.myHTTPMethod"`, `"Headers.$"`, `"QueryParameters.$"`), including ConnectionArn."""
    definition = _task(
        {
            "ApiEndpoint.$": "$.url",
            "Method.$": "$.method",
            "InvocationConfig": {"ConnectionArn.$": "$.conn"},
        }
    )
    run = run_to_end(
        embedded_aws, definition, {"url": f"{http_server.url}/json/p", "method": "GET", "conn": connection_arn}
    )
    assert run["status"] == "SUCCEEDED", run


# -- Headers -----------------------------------------------------------------------------------


def test_h1_authorization_in_the_task_headers_fails_with_states_runtime(embedded_aws, connection_arn, http_server):
    """H1 — HTTP "Headers": Authorization is in the list of headers an HTTP Task can't use; using one
    fails the task with States.Runtime (credentials belong in the connection)."""
    definition = http_task(
        connection_arn, ApiEndpoint=f"{http_server.url}/json/x", Method="GET", Headers={"Authorization": "Bearer t"}
    )
    run = run_to_end(embedded_aws, definition)
    assert run["status"] == "FAILED" and run["error"] == "States.Runtime"
    assert "Authorization" in run["cause"]


def test_h2_the_connection_header_wins_over_the_task_header(embedded_aws, http_server):
    """H2 — HTTP "Merging EventBridge connection and HTTP Task definition data": on the same header key,
    Step Functions uses the value specified in the connection."""
    arn = embedded_aws.client("events").create_connection(
        Name="rules-h2",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "key_value"},
            "InvocationHttpParameters": {"HeaderParameters": [{"Key": "Header-Param", "Value": "connection"}]},
        },
    )["ConnectionArn"]
    definition = http_task(
        arn,
        ApiEndpoint=f"{http_server.url}/json/h2",
        Method="GET",
        Headers={"Header-Param": "state_machine", "Request-Id": "my_request_id"},
    )
    assert run_to_end(embedded_aws, definition)["status"] == "SUCCEEDED"
    seen = http_server.last()
    assert seen.headers["header-param"] == "connection"
    assert seen.headers["request-id"] == "my_request_id" and seen.headers["apikey"] == "key_value"


def test_h3_step_functions_sets_user_agent_and_range(embedded_aws, connection_arn, http_server):
    """H3 — HTTP "Headers": Step Functions sets `User-Agent: Amazon|StepFunctions|HttpInvoke|<region>`,
    `Range: bytes=0-262144` and Host."""
    run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/json/ua", Method="GET"))
    seen = http_server.last()
    assert seen.headers["user-agent"] == "Amazon|StepFunctions|HttpInvoke|us-east-1"
    assert seen.headers["range"] == "bytes=0-262144"
    assert seen.headers["host"] == http_server.url.split("//", 1)[1]


def test_h4_a_json_body_goes_with_the_documented_content_type(embedded_aws, connection_arn, http_server):
    """H4 — HTTP "Merging …": the documented request carries `Content-Type: application/json; charset=UTF-8`
    and the body serialized as JSON (RequestBodyEncoding NONE, the default)."""
    definition = http_task(
        connection_arn, ApiEndpoint=f"{http_server.url}/json/h4", Method="POST", RequestBody={"a": 1}
    )
    run_to_end(embedded_aws, definition)
    seen = http_server.last()
    assert seen.headers["content-type"] == "application/json; charset=UTF-8"
    assert json.loads(seen.body) == {"a": 1}


# -- Query and body merging ----------------------------------------------------------------------


def test_m1_m2_connection_query_and_body_parameters_win(embedded_aws, http_server):
    """M1, M2 — HTTP "Merging …": connection query and body parameters are added; on duplicate keys the
    connection's values are used (`QueryParam=connection_query_param`, `BodyParam: connection_body_param`)."""
    arn = embedded_aws.client("events").create_connection(
        Name="rules-m1",
        AuthorizationType="API_KEY",
        AuthParameters={
            "ApiKeyAuthParameters": {"ApiKeyName": "ApiKey", "ApiKeyValue": "k"},
            "InvocationHttpParameters": {
                "QueryStringParameters": [{"Key": "QueryParam", "Value": "connection_query_param"}],
                "BodyParameters": [{"Key": "BodyParam", "Value": "connection_body_param"}],
            },
        },
    )["ConnectionArn"]
    definition = http_task(
        arn,
        ApiEndpoint=f"{http_server.url}/json/m1",
        Method="POST",
        QueryParameters={"QueryParam": "state_machine_query_param"},
        RequestBody={"Job": "Software Engineer", "BodyParam": "state_machine_body_param"},
    )
    assert run_to_end(embedded_aws, definition)["status"] == "SUCCEEDED"
    seen = http_server.last()
    assert seen.query == {"QueryParam": ["connection_query_param"]}
    assert json.loads(seen.body) == {"Job": "Software Engineer", "BodyParam": "connection_body_param"}

    string_body = http_task(arn, ApiEndpoint=f"{http_server.url}/json/m2", Method="POST", RequestBody="raw text")
    run = run_to_end(embedded_aws, string_body)
    assert run["status"] == "FAILED" and run["error"] == "States.Runtime"  # M2: string body + connection body


# -- Transform ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("array_format", "expected"),
    [
        ("INDICES", "array[0]=a&array[1]=b"),
        ("REPEAT", "array=a&array=b"),
        ("COMMAS", "array=a,b"),
        ("BRACKETS", "array[]=a&array[]=b"),
    ],
)
def test_t1_url_encoded_bodies_follow_the_array_format(
    embedded_aws, connection_arn, http_server, array_format, expected
):
    """T1 — HTTP "Transform", "Applying URL-encoding on request body": URL_ENCODED sends form data;
    arrays by INDICES (default), REPEAT, COMMAS or BRACKETS; nested objects as key[sub]; %20 for spaces."""
    definition = http_task(
        connection_arn,
        ApiEndpoint=f"{http_server.url}/json/form",
        Method="POST",
        Headers={"Content-Type": "application/x-www-form-urlencoded"},
        RequestBody={"array": ["a", "b"], "metadata": {"order_details": "monthly report data"}},
        Transform={"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": array_format}},
    )
    assert run_to_end(embedded_aws, definition)["status"] == "SUCCEEDED"
    seen = http_server.last()
    assert seen.headers["content-type"] == "application/x-www-form-urlencoded"
    assert unquote(seen.body.decode()) == f"{expected}&metadata[order_details]=monthly report data"
    assert b"monthly%20report%20data" in seen.body and b"metadata%5Border_details%5D" in seen.body


def test_t1_the_default_array_format_is_indices():
    """T1 — HTTP "Transform": INDICES is the default encoding option."""
    assert http_invoke.form_encode({"array": ["a", "b"]}) == "array%5B0%5D=a&array%5B1%5D=b"


def test_t1_unknown_transform_values_are_refused_at_create_time(embedded_aws, connection_arn):
    """T1 — HTTP "Transform": RequestBodyEncoding is NONE or URL_ENCODED; ArrayFormat one of four."""
    bad = http_task(
        connection_arn, ApiEndpoint="https://e.com/", Method="POST", Transform={"RequestBodyEncoding": "GZIP"}
    )
    assert "RequestBodyEncoding must be NONE or URL_ENCODED" in _refused_at_create(embedded_aws, bad)
    bad = http_task(
        connection_arn,
        ApiEndpoint="https://e.com/",
        Method="POST",
        Transform={"RequestBodyEncoding": "URL_ENCODED", "RequestEncodingOptions": {"ArrayFormat": "JSON"}},
    )
    assert "ArrayFormat must be one of" in _refused_at_create(embedded_aws, bad)


# -- Output and errors ----------------------------------------------------------------------------


def test_o2_a_non_2xx_answer_is_named_by_its_status(embedded_aws, connection_arn, http_server):
    """O2 — HTTP "HTTP Task example" (Retry/Catch on States.Http.StatusCode.429, .404 …): a non-2xx answer
    fails the task with States.Http.StatusCode.<code>; ERR "Error output": the Cause is a string."""
    run = run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/status/409", Method="GET"))
    assert run["status"] == "FAILED" and run["error"] == "States.Http.StatusCode.409"
    assert isinstance(run["cause"], str)


def test_o3_the_http_task_timeout_is_60_seconds():
    """O3 — QUOTA "Quotas related to HTTP Task": HTTP Task duration 60 seconds (hard quota); ERR
    States.Http.Socket "occurs when an HTTP task times out after 60 seconds" (exercised with a 1 s
    setting in test_aws_http_invoke.test_no_answer_in_time_fails_the_task_with_a_clear_cause)."""
    assert http_invoke.HTTP_TASK_TIMEOUT_S == 60.0 and http_invoke.SOCKET_ERROR == "States.Http.Socket"


@pytest.mark.parametrize("media", ["application/octet-stream", "image/png", "video/mp4", "audio/ogg"])
def test_o4_an_unsupported_response_type_fails_with_states_runtime(media):
    """O4 — HTTP "Unsupported HTTP Task responses": content-type application/octet-stream, image/*, video/*
    or audio/*, or a body that can't be read as a string, fails the task with States.Runtime."""
    import httpx

    with pytest.raises(ValueError, match="States.Runtime"):
        http_invoke.task_output(httpx.Response(200, headers={"Content-Type": media}, content=b"\x00"))
    with pytest.raises(ValueError, match="valid string"):
        http_invoke.task_output(httpx.Response(200, headers={"Content-Type": "text/plain"}, content=b"\xff\xfe\xfa"))


def test_o5_an_unknown_connection_fails_with_events_connection_resource(embedded_aws, http_server):
    """O5 — HTTP "Connection errors": connection errors are prefixed Events.ConnectionResource.
    (ResourceNotFound for a connection that does not exist)."""
    missing = f"arn:aws:events:us-east-1:{embedded_aws.account_id}:connection/none/0"
    run = run_to_end(embedded_aws, http_task(missing, ApiEndpoint=f"{http_server.url}/json/x", Method="GET"))
    assert run["error"] == "Events.ConnectionResource.ResourceNotFound"


# -- JSONata ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("per_state", [False, True])
def test_jsonata_is_refused_at_create_time_with_a_clear_message(embedded_aws, per_state):
    """JSONATA — "QueryLanguage": "JSONata" at the top level or per state. The embedded AWS cannot evaluate
    it (moto needs Java), so even a single Pass state is refused when created, saying why."""
    definition = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}
    if per_state:
        definition["States"]["P"]["QueryLanguage"] = "JSONata"
    else:
        definition["QueryLanguage"] = "JSONata"
    message = _refused_at_create(embedded_aws, definition)
    assert "JSONata" in message and "JSONPath" in message
