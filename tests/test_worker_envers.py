"""Which enver xdist workers use (odmd_bdd/harness/worker_envers.py: each its own embedded one, or
the running one the controller found), and the order workers deal scenarios out in
(odmd_bdd/harness/shards.py: longest first)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from types import SimpleNamespace

from odmd_bdd.aws.share import ShareSnapshot
from odmd_bdd.harness.shards import estimated_cost, longest_first
from odmd_bdd.harness.worker_envers import WORKERINPUT_KEY, _address_json, attach_to
from odmd_bdd.resolution.envers import EmbeddedAddress

# --- the controller's answer -----------------------------------------------------------------


def _worker(decided: dict) -> SimpleNamespace:
    return SimpleNamespace(workerinput={"workerid": "gw0", WORKERINPUT_KEY: decided})


def test_a_worker_told_of_no_running_enver_brings_up_its_own_without_looking():
    # attach_to would look for a running enver (and fail on this bare config) if it did not take the answer.
    assert attach_to(_worker({"warm": None}), constellation=None) is None


def test_a_worker_attaches_to_the_running_enver_the_controller_found_with_what_it_read():
    share = ShareSnapshot({"/odmd-share/a/b..mock/url": "http://127.0.0.1:1"}, artifacts={"s3://b/k@v": b"{}"})
    found = EmbeddedAddress("http://127.0.0.1:5000", "us-east-1", share)
    decided = json.loads(json.dumps({"warm": _address_json(found)}))  # as execnet carries it: plain data
    address = attach_to(_worker(decided), constellation=None)
    assert address == found and address.share == share


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


def test_each_worker_brings_up_its_own_enver_and_plants_the_fault_in_it(project):
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
    result.stdout.fnmatch_lines(["*every worker brings up an embedded enver of its own*"])
    outcomes = _outcomes(project.path / "junit.xml")
    failed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    # createEntity is called by the scenarios that create the root entity, and only by them.
    assert failed == [
        "test_a_user_logs_in_registers_the_root_key_and_creates_the_root_entity[api]",
        "test_creating_the_root_entity_with_a_tampered_session_token_is_refused[api]",
    ], outcomes
    assert "status 200 is not declared" in result.stdout.str()
    env = (project.path / "allure" / "odmd-enver.properties").read_text().splitlines()
    base_urls = sorted(
        line for line in env if line.startswith(("identity-service.base_url=", "identity-service.base_url["))
    )
    assert [line.split("=")[0] for line in base_urls] == [
        "identity-service.base_url[gw0]",
        "identity-service.base_url[gw1]",
    ], env
    assert all(line.split("=", 1)[1].startswith("http://127.0.0.1:") for line in base_urls)
    assert base_urls[0].split("=", 1)[1] != base_urls[1].split("=", 1)[1]  # two envers, two addresses
    assert "xdist_workers=2" in env


def test_two_workers_run_the_exchanges_through_their_own_state_machines(project):
    """--transport sfn: each worker deploys the BDD state machine into its own embedded AWS (the same
    ARN in both) and runs its executions there."""
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
