"""arn:aws:states:::http:invoke in moto: real HTTP calls to a local server on 127.0.0.1."""

from __future__ import annotations

import base64
import json

import pytest
from botocore.exceptions import ClientError

from odmd_bdd.aws import http_invoke
from odmd_bdd.aws.http_invoke import MotoVersionError, check_moto_version
from tests.aws_support import (  # noqa: F401  (fixtures)
    connection_arn,
    embedded_aws,
    http_server,
    http_task,
    refused_url,
    run_to_end,
)

# -- the version guard ------------------------------------------------------------------------


@pytest.mark.parametrize("version", ["5.2.5", "5.2.6", "5.2.6.dev1"])
def test_tested_moto_versions_pass_the_guard(version):
    assert check_moto_version(version) == version


@pytest.mark.parametrize("version", ["5.2.4", "5.2.7", "5.3.0", "6.0.0", "4.2.14", "dev"])
def test_other_moto_versions_are_refused_clearly(version):
    with pytest.raises(MotoVersionError) as err:
        check_moto_version(version)
    assert f"the installed moto is {version}" in str(err.value)
    assert ">=5.2.5,<5.2.7" in str(err.value)


def test_install_refuses_an_untested_moto(monkeypatch):
    """install() runs the guard on the moto really installed (here: its version lookup answers 5.3.0)."""
    monkeypatch.setattr(http_invoke.metadata, "version", lambda name: "5.3.0")
    with pytest.raises(MotoVersionError, match="installed moto is 5.3.0"):
        http_invoke.install()


def test_the_installed_moto_is_in_the_tested_range():
    check_moto_version()


# -- installation -------------------------------------------------------------------------------


def test_without_the_extension_moto_rejects_http_tasks_and_install_is_idempotent(embedded_aws, connection_arn):
    from moto.stepfunctions.parser.asl.component.state.exec.state_task import state_task_factory

    definition = http_task(connection_arn, ApiEndpoint="http://127.0.0.1:1/", Method="GET")
    http_invoke.uninstall()
    try:
        assert not http_invoke.installed()
        with pytest.raises(ClientError, match="Unknown service 'http'"):
            run_to_end(embedded_aws, definition)
    finally:
        http_invoke.install()
    patched = state_task_factory.state_task_service_for
    http_invoke.install()
    assert state_task_factory.state_task_service_for is patched  # not wrapped twice
    assert http_invoke.installed()


def test_other_actions_of_the_http_service_are_rejected_at_create_time(embedded_aws, connection_arn):
    definition = http_task(connection_arn, ApiEndpoint="http://127.0.0.1:1/", Method="GET")
    definition["States"]["Call"]["Resource"] = "arn:aws:states:::http:call"
    with pytest.raises(ClientError, match="not recognized"):
        run_to_end(embedded_aws, definition)


def test_wait_for_task_token_is_rejected_at_create_time(embedded_aws, connection_arn):
    """R1 — https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html ("HTTP Task
    fields"): the Resource is arn:aws:states:::http:invoke; the docs name no .sync or
    .waitForTaskToken variant, so only request-response is accepted."""
    definition = http_task(connection_arn, ApiEndpoint="http://127.0.0.1:1/", Method="GET")
    definition["States"]["Call"]["Resource"] = "arn:aws:states:::http:invoke.waitForTaskToken"
    with pytest.raises(ClientError, match="request-response"):
        run_to_end(embedded_aws, definition)


# -- exchanges ----------------------------------------------------------------------------------


def test_a_post_reaches_the_server_and_the_output_is_aws_shaped(embedded_aws, connection_arn, http_server):
    """O1 and R4 — https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html: the 2xx
    output {StatusCode, StatusText, Headers, ResponseBody} (ResponseBody parsed when JSON, as the
    CDK docs' $states.result.ResponseBody reads it); QueryParameters appended and URL-encoded."""
    definition = http_task(
        connection_arn,
        **{
            "ApiEndpoint.$": "$.url",
            "Method": "POST",
            "Headers.$": "$.headers",
            "QueryParameters": {"tag": ["a", "b"], "limit": 5},
            "RequestBody.$": "$.body",
        },
    )
    run = run_to_end(
        embedded_aws,
        definition,
        {
            "url": f"{http_server.url}/json/entities?fixed=1",
            "headers": {"X-Request-Id": "r-1"},
            "body": {"entity_id": "550e8400-e29b-41d4-a716-446655440001", "n": 1},
        },
    )
    assert run["status"] == "SUCCEEDED", run
    out = run["output"]
    assert set(out) == {"StatusCode", "StatusText", "Headers", "ResponseBody"}
    assert out["StatusCode"] == 200 and out["StatusText"] == "OK"
    assert out["ResponseBody"]["method"] == "POST"  # parsed JSON, not a string
    assert out["ResponseBody"]["path"] == "/json/entities"
    assert out["Headers"]["Content-Type"] == ["application/json"]
    assert out["Headers"]["X-Trace"] == ["t-1"]

    seen = http_server.last()
    assert seen.method == "POST" and seen.path == "/json/entities"
    assert seen.query == {"fixed": ["1"], "tag": ["a", "b"], "limit": ["5"]}
    assert "X-Request-Id" in seen.header_names  # names as the task wrote them
    assert seen.headers["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()  # the connection's auth
    assert seen.headers["content-type"].startswith("application/json")
    assert json.loads(seen.body) == {"entity_id": "550e8400-e29b-41d4-a716-446655440001", "n": 1}


def test_a_text_answer_stays_text_and_a_get_sends_no_body(embedded_aws, connection_arn, http_server):
    run = run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/text", Method="GET"))
    assert run["status"] == "SUCCEEDED", run
    assert run["output"]["ResponseBody"] == "plain words"
    seen = http_server.last()
    assert seen.method == "GET" and seen.body == b""


def test_the_connection_basic_auth_is_sent_when_the_task_sets_no_authorization(
    embedded_aws, connection_arn, http_server
):
    run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/json/x", Method="GET"))
    assert http_server.last().headers["authorization"] == "Basic " + base64.b64encode(b"u:p").decode()


def test_an_api_key_connection_adds_its_header(embedded_aws, http_server):
    arn = embedded_aws.client("events").create_connection(
        Name="tests-apikey",
        AuthorizationType="API_KEY",
        AuthParameters={"ApiKeyAuthParameters": {"ApiKeyName": "X-Api-Key", "ApiKeyValue": "k-1"}},
    )["ConnectionArn"]
    run = run_to_end(embedded_aws, http_task(arn, ApiEndpoint=f"{http_server.url}/json/k", Method="GET"))
    assert run["status"] == "SUCCEEDED", run
    assert http_server.last().headers["x-api-key"] == "k-1"


def test_a_non_2xx_answer_fails_the_task_with_its_status_and_the_answer_in_the_cause(
    embedded_aws, connection_arn, http_server
):
    run = run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/status/401", Method="GET"))
    assert run["status"] == "FAILED"
    assert run["error"] == "States.Http.StatusCode.401"
    cause = json.loads(run["cause"])
    assert cause["StatusCode"] == 401 and cause["StatusText"] == "Unauthorized"
    assert cause["ResponseBody"]["error"] == "status 401"


def test_a_catch_on_an_http_status_error_name_is_accepted_and_matches(embedded_aws, connection_arn, http_server):
    definition = http_task(connection_arn, ApiEndpoint=f"{http_server.url}/status/404", Method="GET")
    definition["States"]["Call"].pop("End")
    definition["States"]["Call"]["Next"] = "Done"
    definition["States"]["Call"]["Catch"] = [
        {"ErrorEquals": ["States.Http.StatusCode.404"], "ResultPath": "$.caught", "Next": "Done"}
    ]
    definition["States"]["Done"] = {"Type": "Pass", "End": True}
    run = run_to_end(embedded_aws, definition)
    assert run["status"] == "SUCCEEDED", run
    assert run["output"]["caught"]["Error"] == "States.Http.StatusCode.404"


def test_other_unknown_states_error_names_are_still_rejected(embedded_aws):
    definition = {
        "StartAt": "P",
        "States": {"P": {"Type": "Pass", "End": True, "Catch": [{"ErrorEquals": ["States.NoSuchError"], "Next": "P"}]}},
    }
    with pytest.raises(ClientError):
        run_to_end(embedded_aws, definition)


def test_a_refused_connection_fails_the_task_with_a_clear_cause(embedded_aws, connection_arn):
    url = refused_url()
    run = run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=url, Method="GET"))
    assert run["status"] == "FAILED"
    assert run["error"] == "States.Http.Socket"
    assert f"GET {url}" in run["cause"] and "refused" in run["cause"].lower()


def test_no_answer_in_time_fails_the_task_with_a_clear_cause(embedded_aws, connection_arn, http_server):
    http_invoke.install(http_timeout_s=1)
    try:
        run = run_to_end(embedded_aws, http_task(connection_arn, ApiEndpoint=f"{http_server.url}/hang", Method="GET"))
    finally:
        http_invoke.install(http_timeout_s=http_invoke.HTTP_TASK_TIMEOUT_S)
    assert run["status"] == "FAILED"
    assert run["error"] == "States.Http.Socket"
    assert f"GET {http_server.url}/hang gave no answer within 1s" in run["cause"]


def test_an_unknown_connection_fails_the_task(embedded_aws, http_server):
    missing = f"arn:aws:events:us-east-1:{embedded_aws.account_id}:connection/nope/00000000-0000"
    run = run_to_end(embedded_aws, http_task(missing, ApiEndpoint=f"{http_server.url}/json/x", Method="GET"))
    assert run["status"] == "FAILED"
    assert run["error"] == "Events.ConnectionResource.ResourceNotFound"
    assert missing in run["cause"]


@pytest.mark.parametrize("header", ["Host", "x-amz-date", "Proxy-Authorization"])
def test_headers_aws_forbids_fail_the_task_with_states_runtime(embedded_aws, connection_arn, http_server, header):
    run = run_to_end(
        embedded_aws,
        http_task(connection_arn, ApiEndpoint=f"{http_server.url}/json/x", Method="GET", Headers={header: "v"}),
    )
    assert run["status"] == "FAILED"
    assert run["error"] == "States.Runtime"
    assert header in run["cause"]


def test_a_method_from_a_path_outside_the_list_is_a_runtime_error(embedded_aws, connection_arn, http_server):
    """A static Method is checked at create time (test_aws_http_task_rules); one read from the input
    can only be checked when the task runs."""
    definition = http_task(connection_arn, **{"ApiEndpoint": f"{http_server.url}/", "Method.$": "$.m"})
    run = run_to_end(embedded_aws, definition, {"m": "FETCH"})
    assert run["status"] == "FAILED" and "Method must be one of" in run["cause"]


def test_m3_an_oauth_connection_is_not_emulated_and_fails_clearly(embedded_aws, http_server):
    """M3 — https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html ("Connection"):
    OAuth connections need a token endpoint on AWS; the embedded AWS does not emulate them, so a task
    using one fails with States.Runtime naming the type, never with a silent unauthenticated call."""
    events = embedded_aws.client("events")
    arn = events.create_connection(
        Name="tests-oauth",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "c", "ClientSecret": "s"},
                "AuthorizationEndpoint": "https://127.0.0.1/token",
                "HttpMethod": "POST",
            }
        },
    )["ConnectionArn"]
    before = len(http_server.seen)
    run = run_to_end(embedded_aws, http_task(arn, ApiEndpoint=f"{http_server.url}/json/x", Method="GET"))
    assert run["status"] == "FAILED", run
    assert run.get("error") == "States.Runtime" and "OAUTH_CLIENT_CREDENTIALS" in run.get("cause", ""), run
    assert len(http_server.seen) == before  # nothing was sent
