"""One embedded enver for all xdist workers (odmd_bdd/harness/shared_enver.py), and the order workers
deal scenarios out in (odmd_bdd/harness/shards.py: longest first)."""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import pytest

from odmd_bdd.errors import OdmdError
from odmd_bdd.harness.shards import estimated_cost, longest_first
from odmd_bdd.harness.shared_enver import read_handoff
from odmd_bdd.resolution.envers import EmbeddedAddress

# --- the hand-off file -----------------------------------------------------------------


def test_the_handoff_gives_the_embedded_aws_address(tmp_path):
    path = tmp_path / "enver.json"
    path.write_text(json.dumps({"endpoint_url": "http://127.0.0.1:5000", "region": "us-east-1"}))
    assert read_handoff(path) == EmbeddedAddress("http://127.0.0.1:5000", "us-east-1")


def test_the_handoff_carries_what_the_controller_read_of_the_share(tmp_path):
    from odmd_bdd.aws.share import ShareSnapshot
    from odmd_bdd.harness.shared_enver import _handoff

    share = ShareSnapshot({"/odmd-share/a/b..mock/url": "http://127.0.0.1:1"}, artifacts={"s3://b/k@v": b"{}"})
    path = tmp_path / "enver.json"
    path.write_text(json.dumps(_handoff(EmbeddedAddress("http://127.0.0.1:5000", "us-east-1", share))))
    assert read_handoff(path).share == share


def test_the_controllers_failure_reaches_the_worker_as_one_message(tmp_path):
    path = tmp_path / "enver.json"
    path.write_text(json.dumps({"error": "fixtures/contracts/key-service.bundle.json: not valid JSON"}))
    with pytest.raises(
        OdmdError,
        match=r"shared embedded enver \(started by the xdist controller\) failed: "
        r"fixtures/contracts/key-service.bundle.json: not valid JSON",
    ):
        read_handoff(path)


def test_a_handoff_that_never_comes_is_an_error_within_the_deadline(tmp_path):
    started = time.monotonic()
    with pytest.raises(OdmdError, match=r"did not bring the shared embedded enver up within 0.3s"):
        read_handoff(tmp_path / "enver.json", deadline_s=0.3)
    assert time.monotonic() - started >= 0.3  # it waited the deadline out (no upper bound: a loaded machine is late)


# --- longest first -------------------------------------------------------------------------


def _item(name: str, layer: str | None, steps: int):
    return SimpleNamespace(
        name=name,
        callspec=SimpleNamespace(params={"layer": layer}) if layer else None,
        obj=SimpleNamespace(odmd_steps=steps),
    )


def test_gui_scenarios_go_first_longest_first_then_the_api_ones_in_file_order():
    items = [
        _item("a", "api", 9),
        _item("b", "gui", 2),
        _item("c", "api", 3),
        _item("d", "gui", 8),
        _item("e", "gui", 2),
        _item("f", None, 1),
    ]
    assert [i.name for i in longest_first(items)] == ["d", "b", "e", "a", "c", "f"]
    assert estimated_cost(items[1]) > estimated_cost(items[0])  # even a short GUI scenario outlasts an API one


# --- a distributed run ---------------------------------------------------------------------


def _outcomes(path) -> dict[str, str]:
    out = {}
    for case in ET.parse(path).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        out[case.get("name")] = "failed" if kinds & {"failure", "error"} else "passed"
    return out


def test_two_workers_share_the_controllers_enver_and_its_planted_fault(project):
    """The controller plants the fault once; both workers see it, and read one enver."""
    plan = project.path / "plan.json"
    plan.write_text(json.dumps({"enver": [{"operation": "identity-service.createEntity", "status": 200}]}))
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature",
        "--layer",
        "api",
        "-n",
        "2",
        "--odmd-faults",
        str(plan),
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "--junitxml=junit.xml",
        "--alluredir=allure",
    )
    result.stdout.fnmatch_lines(["*one embedded enver for all workers, hosted by the controller*"])
    outcomes = _outcomes(project.path / "junit.xml")
    failed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    # createEntity is called by the scenarios that create the root entity, and only by them.
    assert failed == [
        "test_a_user_logs_in_registers_the_root_key_and_creates_the_root_entity[api]",
        "test_creating_the_root_entity_with_a_tampered_session_token_is_refused[api]",
    ], outcomes
    assert "status 200 is not declared" in result.stdout.str()
    env = (project.path / "allure" / "odmd-enver.properties").read_text().splitlines()
    base_urls = [line for line in env if line.startswith(("identity-service.base_url=", "identity-service.base_url["))]
    assert len(base_urls) == 1 and base_urls[0].startswith("identity-service.base_url=http://127.0.0.1:"), env
    assert "xdist_workers=2" in env


def test_two_workers_run_the_exchanges_through_the_controllers_state_machine(project):
    """--transport sfn: the controller deploys the BDD state machine into the shared embedded AWS
    and runs its executions; both workers start them there."""
    result = project.runpytest_subprocess(
        "features/uc1_authentication_key_entity.feature",
        "--layer",
        "api",
        "--transport",
        "sfn",
        "-n",
        "2",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
        "--alluredir=allure",
    )
    result.assert_outcomes(passed=7)
    env = (project.path / "allure" / "odmd-enver.properties").read_text().splitlines()
    arns = [line for line in env if line.startswith("bdd_state_machine_arn")]
    assert arns == ["bdd_state_machine_arn=arn:aws:states:us-east-1:123456789012:stateMachine:odmd-bdd-exchange"], env
