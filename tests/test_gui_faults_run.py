"""Planted web client bugs, run as a user runs the harness: the [gui] run fails, [api] stays green.

Each test copies the project (the `project` fixture), adds a conftest fixture that plants a
client fault in the embedded enver through its public hook (LocalEnver.web_client.faults),
and runs pytest on the UC1 feature in a subprocess.
"""

from __future__ import annotations

import json
import re
import zipfile

import pytest

from conftest import every_byte_under

FEATURE = "features/uc1_authentication_key_entity.feature"
SMOKE = "logs_in_registers_the_root_key"

PLANT = """

import pytest as _pytest

from odmd_bdd.localenv import ClientFault as _ClientFault


@_pytest.fixture(scope="session", autouse=True)
def _planted_gui_fault(enver):
    enver.local.web_client.faults.replace([_ClientFault(**{fault!r})])
"""


def plant(project, **fault) -> None:
    with open(project.path / "conftest.py", "a", encoding="utf-8") as conftest:
        conftest.write(PLANT.format(fault=fault))


def outcomes_by_layer(result) -> dict[str, str]:
    out = {}
    for line in result.stdout.lines:
        for layer in ("api", "gui"):
            if f"[{layer}] " in line and "::test_" in line and (" PASSED" in line or " FAILED" in line):
                out[layer] = "passed" if " PASSED" in line else "failed"
    return out


def test_a_client_showing_a_wrong_user_id_fails_the_gui_run_only(project):
    plant(project, kind="show", operation="identity-service.login", field="user_id", value="user_99999_fake")
    result = project.runpytest_subprocess(FEATURE, "-k", SMOKE, "-v")
    assert outcomes_by_layer(result) == {"api": "passed", "gui": "failed"}
    result.stdout.fnmatch_lines(
        [
            "*[[]gui[]] identity-service login (UC1.login): the web client shows other than the service answered:*",
            "*- user_id: shown 'user_99999_fake', answered 'user_12345_system'*",
        ]
    )

    # Evidence of the failed GUI scenario: a screenshot and a trace, on disk and in the Allure result.
    [evidence] = [d for d in (project.path / "reports" / "traces").iterdir() if d.name.endswith("[gui]")]
    assert sorted(p.name for p in evidence.iterdir()) == ["screenshot.png", "trace.zip"]
    assert (evidence / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (evidence / "trace.zip").read_bytes()[:2] == b"PK"
    results = [json.loads(p.read_text()) for p in (project.path / "reports" / "allure-results").glob("*-result.json")]
    [failed] = [r for r in results if r["status"] == "failed"]
    attached = {a["name"]: a["type"] for a in failed.get("attachments", [])}
    assert attached["[gui] screenshot.png (failed)"] == "image/png"
    # The trace's name says the one command that opens it.
    [trace] = [name for name in attached if name.startswith("[gui] trace.zip")]
    assert attached[trace] == "application/zip"
    assert trace.endswith(f"open it with: playwright show-trace reports/traces/{evidence.name}/trace.zip")


def test_a_button_calling_a_wrong_route_fails_the_gui_run_with_a_contract_violation(project):
    plant(project, kind="route", operation="key-service.registerKey", path="/key/registr")
    result = project.runpytest_subprocess(FEATURE, "-k", SMOKE, "-v", "--gui-trace", "off")
    assert outcomes_by_layer(result) == {"api": "passed", "gui": "failed"}
    result.stdout.fnmatch_lines(
        [
            "*contract violation in [[]gui[]] key-service registerKey (UC1.register_root_key) (requests of the web client):*",
            "*- POST /key/registr: no operation of the key-service contract * declares this route (it answered 404)*",
        ]
    )
    [evidence] = list((project.path / "reports" / "traces").iterdir())
    assert [p.name for p in evidence.iterdir()] == ["screenshot.png"]  # no trace with --gui-trace off


@pytest.mark.parametrize(
    "feature, selection, fault, lines",
    [
        (  # the page shows "undefined" where data-json is right
            FEATURE,
            SMOKE,
            {"kind": "text", "operation": "identity-service.login", "field": "user_id", "value": "undefined"},
            [
                "*[[]gui[]] identity-service login (UC1.login): the web client shows other than the service answered:*",
                '*- user_id: the page shows "undefined", the service answered "user_12345_system"*',
            ],
        ),
        (  # the second link's panel keeps the status text of the first
            "features/uc2_entity_data_relationship.feature",
            "twice",
            {"kind": "stale", "operation": "chain-service.createLink", "field": "$status"},
            [
                "*[[]gui[]] chain-service createLink (UC2.link_child_under_root): the web client shows other than*",
                '*- status: the page shows "201*", the service answered 409 (the text it showed for the previous answer)*',
            ],
        ),
        (  # two submit buttons: the harness does not pick one
            FEATURE,
            SMOKE,
            {"kind": "duplicate", "operation": "key-service.registerKey", "testid": "registerKey.submit"},
            [
                "*GuiConventionError: the web client has 2 elements with data-testid='registerKey.submit' inside "
                "service.key-service / op.registerKey where the convention requires one*",
            ],
        ),
    ],
    ids=["text", "stale", "duplicate"],
)
def test_a_client_showing_the_user_other_than_its_data_json_fails_the_gui_run_only(
    project, feature, selection, fault, lines
):
    plant(project, **fault)
    result = project.runpytest_subprocess(feature, "-k", selection, "-v", "--gui-trace", "off")
    assert outcomes_by_layer(result) == {"api": "passed", "gui": "failed"}
    result.stdout.fnmatch_lines(lines)


@pytest.mark.parametrize(
    "args, snapshots",
    [
        ((), False),  # the default: the action log and the console
        (("--reruns", "1"), True),  # the rerun attempt (whose evidence is kept) records DOM snapshots
        (("--gui-trace", "full"), True),  # every attempt does
    ],
)
def test_the_trace_of_a_failed_scenario_has_dom_snapshots_only_on_a_rerun_or_when_asked(project, args, snapshots):
    plant(project, kind="show", operation="identity-service.login", field="user_id", value="user_99999_fake")
    result = project.runpytest_subprocess(FEATURE, "-k", f"{SMOKE} and gui", "-v", *args)
    assert outcomes_by_layer(result) == {"gui": "failed"}
    [evidence] = list((project.path / "reports" / "traces").iterdir())
    with zipfile.ZipFile(evidence / "trace.zip") as trace:
        events = trace.read("trace.trace").decode()
    assert '"type":"before"' in events and '"method":"fill"' in events  # the action log is always there
    assert ('"type":"frame-snapshot"' in events) is snapshots


@pytest.mark.parametrize(
    "selection, layers",
    [
        (("-m", "gui"), {"gui"}),
        (("-k", "gui"), {"gui"}),
        (("--layer", "api"), {"api"}),
        (("--layer", "gui"), {"gui"}),  # @api-only scenarios are deselected, not skipped as [NOTSET]
        ((), {"api", "gui"}),
    ],
)
def test_layers_are_selected_by_marker_keyword_or_option(project, selection, layers):
    result = project.runpytest_subprocess(FEATURE, "--collect-only", "-q", *selection)
    ids = [line for line in result.stdout.lines if "::test_" in line]
    assert ids and {line.rsplit("[", 1)[1].rstrip("]") for line in ids} == layers
    # @api-only scenarios never get a [gui] run
    assert not [line for line in ids if "malformed_body" in line and line.endswith("[gui]")]


@pytest.mark.parametrize("outcome", ["failed", "passed"])
def test_a_gui_run_leaves_no_secret_anywhere_under_reports(project, reference_constellation, outcome):
    if outcome == "failed":
        plant(project, kind="show", operation="identity-service.login", field="user_id", value="user_99999_fake")
    result = project.runpytest_subprocess(FEATURE, "-k", SMOKE, "-v", "--layer", "gui", "--gui-trace", "full")
    assert outcomes_by_layer(result)["gui"] == outcome

    files = every_byte_under(project.path / "reports")
    if outcome == "failed":
        assert any(name.endswith("trace.zip!trace.network") for name in files)  # the network log was recorded
    else:  # a passed scenario takes no screenshot unless asked (--gui-screenshot always)
        assert not [name for name in files if name.startswith("allure-results") and name.endswith((".jpg", ".png"))]
    secrets = reference_constellation.dataset.constants.secret_values()
    assert "mock_auth_jwt_token_for_testing" in secrets
    leaks = [(name, secret) for name, data in files.items() for secret in secrets if secret.encode() in data]
    assert leaks == []
    # and no credential the dataset does not list: any Bearer or Basic value left unmasked
    unmasked = re.compile(rb"(?i)(bearer|basic)\s+(?!\*\*\*redacted)[A-Za-z0-9._~+/=-]{6,}")
    assert [(name, m.group(0)) for name, data in files.items() for m in unmasked.finditer(data)] == []
