"""The embedded AWS in a child process of its own (odmd_bdd/aws/embedded_process.py)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import textwrap
import time

import pytest

from odmd_bdd.aws import EmbeddedAws
from odmd_bdd.aws.embedded_process import EmbeddedAwsProcess
from odmd_bdd.errors import EnverError


def _port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def _refuses(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def test_it_serves_from_another_process_and_stops_with_its_port():
    with EmbeddedAwsProcess(preload=("sqs",)) as aws:
        assert aws.running and aws.endpoint_url.startswith("http://127.0.0.1:")
        assert aws.startup_s is not None and aws.startup_s > 0
        assert aws.client("sts").get_caller_identity()["Account"] == aws.account_id
        # moto's state lives in the child: this process has no embedded AWS of its own, and can start one beside it
        assert EmbeddedAws.current() is None
        with EmbeddedAws() as here:
            here.client("sqs").create_queue(QueueName="only-here")
            assert aws.client("sqs").list_queues().get("QueueUrls", []) == []
        port = _port(aws.endpoint_url)
    assert not aws.running and aws.endpoint_url == ""
    assert _refuses(port)
    with pytest.raises(EnverError, match="not running"):
        aws.client("sqs")


def test_state_machines_run_in_the_child():
    from tests.test_aws_embedded import _run_pass_machine

    with EmbeddedAwsProcess() as aws:
        assert _run_pass_machine(aws) == {"ran": True}


def test_the_child_does_not_outlive_a_parent_that_dies_without_stopping_it():
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import os, sys
                from odmd_bdd.aws.embedded_process import EmbeddedAwsProcess
                aws = EmbeddedAwsProcess().start()
                print(aws.endpoint_url, flush=True)
                os._exit(0)  # no stop(), no atexit
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    endpoint = parent.stdout.readline().strip()
    parent.wait(timeout=60)
    assert endpoint.startswith("http://127.0.0.1:"), endpoint
    deadline = time.monotonic() + 30  # a hang guard: the child exits on its stdin's EOF
    while not _refuses(_port(endpoint)):
        assert time.monotonic() < deadline, f"the embedded AWS at {endpoint} outlived its parent"
        time.sleep(0.02)  # poll: the orphan's exit, bounded by the deadline above


def test_a_child_that_cannot_start_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("AWS_PROFILE", "odmd-bdd-no-such-profile")
    aws = EmbeddedAwsProcess()
    with pytest.raises(
        EnverError, match=r"did not start: .*cannot read your AWS configuration.*odmd-bdd-no-such-profile"
    ):
        aws.start()
    assert not aws.running


def test_a_child_that_never_says_where_is_an_error_within_the_deadline(monkeypatch):
    """A child that hangs before its address line: the start gives up at its deadline and stops it."""
    aws = EmbeddedAwsProcess()
    original = subprocess.Popen

    def hanging(args, **kwargs):  # the child's command replaced by one that never says where
        return original([sys.executable, "-c", "import sys; sys.stdin.read()"], **kwargs)

    monkeypatch.setattr(subprocess, "Popen", hanging)
    started = time.monotonic()
    with pytest.raises(EnverError, match=r"was not ready within 0.5s"):
        aws.start(timeout=0.5)
    assert time.monotonic() - started >= 0.5
    assert not aws.running


def test_what_the_child_wrote_to_stderr_is_logged_when_it_stops(monkeypatch, caplog):
    """moto's and werkzeug's error log, in-process a log record, is not lost with the child's stderr file."""
    said = json.dumps({"endpoint_url": "http://127.0.0.1:9"})
    child = (
        f"import sys; print({said!r}, flush=True); "
        "print('Error on request: Traceback (most recent call last)', file=sys.stderr, flush=True); "
        "sys.stdin.buffer.read()"
    )
    original = subprocess.Popen
    monkeypatch.setattr(subprocess, "Popen", lambda args, **kw: original([sys.executable, "-c", child], **kw))
    aws = EmbeddedAwsProcess().start()
    assert aws.endpoint_url == "http://127.0.0.1:9"
    with caplog.at_level("WARNING", logger="odmd_bdd.aws.embedded_process"):
        aws.stop()
    assert "wrote to its stderr:\nError on request: Traceback" in caplog.text
