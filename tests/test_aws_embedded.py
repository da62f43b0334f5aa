"""The embedded AWS: moto on 127.0.0.1, started and stopped in this process."""

from __future__ import annotations

import os
import socket

import httpx
import pytest

from odmd_bdd.aws import EmbeddedAws
from odmd_bdd.errors import EnverError


def test_starts_answers_and_stops_freeing_its_port():
    aws = EmbeddedAws()
    with aws:
        assert aws.running and aws.endpoint_url.startswith("http://127.0.0.1:")
        assert aws.startup_s is not None and aws.startup_s > 0  # recorded; how long is the bench's (embedded_aws_s)
        port = int(aws.endpoint_url.rsplit(":", 1)[1])
        assert os.environ["MOTO_PORT"] == str(port)  # service tasks call back to moto here
        sts = aws.client("sts")
        assert sts.get_caller_identity()["Account"] == aws.account_id
        assert _run_pass_machine(aws) == {"ran": True}  # state machines execute
    assert not aws.running and aws.endpoint_url == ""
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/moto-api/config", trust_env=False, timeout=2)
    with socket.socket() as sock:  # the port is released, not left bound
        sock.bind(("127.0.0.1", port))


def _run_pass_machine(aws: EmbeddedAws) -> dict:
    import json
    import time

    sfn = aws.client("stepfunctions")
    arn = sfn.create_state_machine(
        name="probe",
        roleArn=f"arn:aws:iam::{aws.account_id}:role/r",
        definition=json.dumps(
            {"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": {"ran": True}, "End": True}}}
        ),
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=arn, name="probe-1", input="{}")["executionArn"]
    deadline = time.monotonic() + 120  # a hang guard, not a budget: a Pass state has nothing to wait for
    while (described := sfn.describe_execution(executionArn=run))["status"] == "RUNNING":
        assert time.monotonic() < deadline, "the Pass machine never finished"
        time.sleep(0.01)  # poll: execution status, bounded by the deadline above
    assert described["status"] == "SUCCEEDED", described
    return json.loads(described["output"])


def test_moto_port_is_restored_after_stop(monkeypatch):
    monkeypatch.setenv("MOTO_PORT", "4999")
    with EmbeddedAws() as aws:
        assert os.environ["MOTO_PORT"] == aws.endpoint_url.rsplit(":", 1)[1]
    assert os.environ["MOTO_PORT"] == "4999"


def test_each_start_begins_with_an_empty_aws():
    with EmbeddedAws() as aws:
        aws.client("ssm").put_parameter(Name="/left/over", Value="x", Type="String")
    with EmbeddedAws() as aws:
        assert aws.client("ssm").describe_parameters()["Parameters"] == []


def test_a_second_embedded_aws_in_the_same_process_is_refused():
    assert EmbeddedAws.current() is None
    with EmbeddedAws() as first:
        assert EmbeddedAws.current() is first
        with pytest.raises(EnverError, match=f"already runs in this process at {first.endpoint_url}"):
            EmbeddedAws().start()
        assert first.client("sts").get_caller_identity()["Account"]


def test_a_port_in_use_is_one_clear_error():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(EnverError, match=f"cannot listen on 127.0.0.1:{port}"):
            EmbeddedAws(port=port).start()
    with EmbeddedAws() as aws:  # and the failed one left nothing registered behind
        assert aws.running


def test_clients_ignore_the_users_aws_settings(monkeypatch, tmp_path):
    """Profile region/endpoint, AWS_ENDPOINT_URL, proxies and real keys must not reach the calls."""
    config = tmp_path / "config"
    config.write_text("[default]\nregion = eu-west-3\nendpoint_url = http://127.0.0.1:9\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-south-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAREALKEYNOTTOUSE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "real-secret")
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.setenv(proxy, "http://127.0.0.1:9")
    with EmbeddedAws() as aws:
        ssm = aws.client("ssm")
        ssm.put_parameter(Name="/isolation/probe", Value="v", Type="String")
        param = ssm.get_parameter(Name="/isolation/probe")["Parameter"]
        assert param["ARN"].startswith(f"arn:aws:ssm:{aws.region}:{aws.account_id}:")
        creds = ssm._request_signer._credentials
        assert creds.access_key == "testing"


def test_a_broken_aws_profile_is_named_at_start(monkeypatch):
    """moto itself reads AWS_PROFILE server side; a missing profile would otherwise be HTTP 500s later."""
    monkeypatch.setenv("AWS_PROFILE", "odmd-bdd-no-such-profile")
    with pytest.raises(EnverError, match="cannot read your AWS configuration.*odmd-bdd-no-such-profile"):
        EmbeddedAws().start()


def test_client_config_can_be_overridden():
    with EmbeddedAws() as aws:
        ssm = aws.client("ssm", read_timeout=7, retries={"max_attempts": 1})
        assert ssm.meta.config.read_timeout == 7
        assert ssm.meta.config.proxies == {}


def test_client_before_start_is_a_clear_error():
    with pytest.raises(EnverError, match="not running"):
        EmbeddedAws().client("ssm")


def test_each_request_finds_its_backend_without_listing_motos_package(monkeypatch):
    """moto 5 lists its package directory and matches a few hundred URL patterns to find the
    backend of every request; the embedded AWS remembers the answer per host."""
    from moto import backends

    with EmbeddedAws() as aws:
        sqs = aws.client("sqs")
        sqs.list_queues()  # the first request of a host finds its backend as moto does
        listed = []
        original = backends.list_of_moto_modules
        monkeypatch.setattr(backends, "list_of_moto_modules", lambda: listed.append(1) or original())
        url = sqs.create_queue(QueueName="dispatch-probe")["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        assert [m["Body"] for m in sqs.receive_message(QueueUrl=url)["Messages"]] == ["hi"]
        assert listed == []


def test_endpoints_json_is_parsed_once_while_it_runs(monkeypatch):
    """Every new botocore session (moto's backends make one per service, clients another) would
    parse endpoints.json (0.1-0.2 s) again; while the embedded AWS runs they share one parse."""
    from botocore.loaders import JSONFileLoader

    from odmd_bdd.aws.embedded import isolated_session, make_client

    parsed: list[str] = []
    original = JSONFileLoader._load_file

    def counting(self, full_path, open_method):
        parsed.append(os.path.basename(full_path))
        return original(self, full_path, open_method)

    own = JSONFileLoader.load_file
    with EmbeddedAws() as aws:
        aws.client("sqs").list_queues()
        monkeypatch.setattr(JSONFileLoader, "_load_file", counting)
        for _ in range(2):  # new sessions, as each attaching process's or moto backend's
            make_client(isolated_session(aws.region), "sqs", endpoint_url=aws.endpoint_url).list_queues()
        assert "endpoints.json" not in parsed and parsed  # a service model is each session's own
    assert JSONFileLoader.load_file is own  # stopped: botocore's loader is its own again
