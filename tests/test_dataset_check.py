"""`odmd-bdd check` on real files: the shipped reference data passes; each planted fault in
a copy of it is named with its file and line.

Static checks (examples, shared IDs, feature constants) run in this process with
`coverage=False`; everything that needs the features run goes through the command line in
a subprocess, exactly as `make check` runs it.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT, replace_in
from odmd_bdd.tools.dataset_check import json_path_steps, literal_ids_in, run_check

DATASET = "fixtures/dataset/master-mock-dataset.yaml"
CONSTELLATION = "fixtures/envers/constellation.yaml"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    """A copy of the project's features, steps and fixtures to plant faults in."""
    for folder in ("features", "steps", "fixtures"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def line_of(path: Path, text: str, after: str | None = None) -> int:
    """The 1-based line of the first `text` (after the first line holding `after`)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if after in line) if after else 0
    return next(i for i, line in enumerate(lines[start:], start) if text in line) + 1


def check_cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "odmd_bdd.tools.cli",
            "check",
            "--constellation",
            CONSTELLATION,
            "--features",
            "features",
            *args,
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=180,
    )


def static(root: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(root)  # messages name files relative to the working directory
    return [str(p) for p in run_check(root / CONSTELLATION, root / "features", coverage=False).problems]


# --- the acceptance: shipped data passes; a schema-invalid example or a differing ID fails --


def test_shipped_reference_data_passes_and_leaves_nothing_behind(copy):
    proc = check_cli(copy)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""
    assert "odmd-bdd check: ok" in proc.stderr
    assert re.search(r" (\d+)/\1 cases covered by \d+ passing scenarios", proc.stderr), proc.stderr
    assert not (copy / "reports").exists(), "the coverage run must not write junit/Allure reports"


def test_schema_invalid_example_fails_naming_file_line_and_json_path(copy):
    dataset = copy / DATASET
    replace_in(dataset, 'fingerprint: "${ROOT_KEY_FINGERPRINT}"', 'fingerprint: "MD5:0a1b"')
    line = line_of(dataset, 'fingerprint: "MD5:0a1b"')
    proc = check_cli(copy)
    assert proc.returncode == 1
    assert (
        f"{DATASET}:{line}: UC1.register_root_key (key-service registerKey): response status 201: "
        f"$.fingerprint: 'MD5:0a1b' does not match"
    ) in proc.stdout


def test_id_differing_from_its_constant_fails_naming_file_and_line(copy):
    dataset = copy / DATASET
    replace_in(
        dataset,
        'entity_id: "${CHILD_ENTITY_ID}"\n        response:\n          status: 200',
        'entity_id: "550e8400-e29b-41d4-a716-446655440002"\n        response:\n          status: 200',
    )
    line = line_of(dataset, 'entity_id: "550e8400-e29b-41d4-a716-446655440002"')
    proc = check_cli(copy, "--format", "json")
    assert proc.returncode == 1, proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False
    # The features still pass (the value is right), so the literal is the only problem.
    assert report["problems"] == [
        {
            "file": DATASET,
            "line": line,
            "check": "ids",
            "message": "literal '550e8400-e29b-41d4-a716-446655440002' repeats constant ${CHILD_ENTITY_ID}; "
            "write ${CHILD_ENTITY_ID}",
        }
    ]


def test_bad_input_exits_2(copy):
    proc = subprocess.run(
        [sys.executable, "-m", "odmd_bdd.tools.cli", "check", "--constellation", "nowhere.yaml"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and "cannot read the constellation file" in proc.stderr
    proc = check_cli(copy, "--features", "no-such-folder")
    assert proc.returncode == 2 and "no features folder at no-such-folder" in proc.stderr


# --- a. examples against artifacts ------------------------------------------------------------


def test_request_body_breaking_its_schema_is_named(copy, monkeypatch):
    dataset = copy / DATASET
    replace_in(dataset, 'public_key: "${ROOT_PUBLIC_KEY}"', "public_key: 12345")
    line = line_of(dataset, "public_key: 12345")
    assert (
        f"{DATASET}:{line}: UC1.register_root_key (key-service registerKey): request body $.public_key: "
        f"12345 is not of type 'string'"
    ) in static(copy, monkeypatch)


def test_400_cases_must_break_the_schema_with_the_issues_they_list(copy, monkeypatch):
    dataset = copy / DATASET
    # UC1.register_key_without_public_key now lists an issue validation does not yield...
    replace_in(
        dataset,
        "- path: [public_key]\n              code: invalid_type",
        "- path: [public_key]\n              code: invalid_string",
    )
    # ...and UC5.revoke_link_without_reason sends a valid body.
    replace_in(
        dataset,
        'link_id: "${LINK_ROOT_CHILD_ID}"\n        response:\n          status: 400',
        'link_id: "${LINK_ROOT_CHILD_ID}"\n            reason: "${REVOCATION_REASON}"\n'
        "        response:\n          status: 400",
    )
    problems = static(copy, monkeypatch)
    issue_line = line_of(dataset, "- path: [public_key]")
    assert (
        f"{DATASET}:{issue_line}: UC1.register_key_without_public_key (key-service registerKey): expects the "
        f"issue invalid_string at public_key, but validating its request yields invalid_type at public_key"
    ) in problems
    body_line = line_of(dataset, "body:", after="revoke_link_without_reason:")
    assert (
        f"{DATASET}:{body_line}: UC5.revoke_link_without_reason (chain-service revokeLink): expects 400, but "
        f"its request body validates against the request schema"
    ) in problems


def test_unknown_service_operation_status_and_path_parameter_are_named(copy, monkeypatch):
    dataset = copy / DATASET
    replace_in(
        dataset,
        "service: jwks-service\n        operation: getJwks\n        request:\n          path:\n"
        '            entity_id: "${UNKNOWN_ENTITY_ID}"',
        "service: jwks-servce\n        operation: getJwks\n        request:\n          path:\n"
        '            entity_id: "${UNKNOWN_ENTITY_ID}"',
    )
    replace_in(dataset, "operation: revealMetadata", "operation: revealMetadta")
    replace_in(
        dataset,
        '          path:\n            entity_id: "${ROOT_ENTITY_ID}"\n        response:\n          status: 200',
        '          path:\n            entity: "${ROOT_ENTITY_ID}"\n        response:\n          status: 200',
    )
    replace_in(dataset, "status: 409", "status: 418")
    problems = static(copy, monkeypatch)
    expected = [
        (
            line_of(dataset, "service: jwks-servce"),
            "UC4.jwks_of_unknown_entity: service 'jwks-servce' is not in "
            f"the constellation {CONSTELLATION} — did you mean jwks-service?",
        ),
        (
            line_of(dataset, "operation: revealMetadta"),
            "UC3.reveal_payload_metadata: anonymous-service's contract "
            "(fixtures/contracts/anonymous-service.openapi.json) has no operation 'revealMetadta' — did you mean "
            "revealMetadata?",
        ),
        (
            line_of(dataset, 'entity: "${ROOT_ENTITY_ID}"'),
            "UC3.list_root_links (chain-service listLinks): path "
            "parameter 'entity' is not in the route GET /chain/{entity_id}",
        ),
        (
            line_of(dataset, "request:", after="list_root_links:"),
            "UC3.list_root_links (chain-service listLinks): "
            "the route GET /chain/{entity_id} needs the path parameter 'entity_id'; the case gives none",
        ),
        (
            line_of(dataset, "status: 418"),
            "UC2.link_child_under_root_twice (chain-service createLink): response "
            "status 418 is not declared (declared: 201, 400, 401, 404, 409)",
        ),
    ]
    for line, message in expected:
        assert f"{DATASET}:{line}: {message}" in problems


def test_event_payloads_are_checked_against_the_services_asyncapi_message(copy, monkeypatch):
    dataset = copy / DATASET
    replace_in(
        dataset,
        'event_type: KeyRegistered\n              key_id: "${ROOT_KEY_ID}"',
        'event_type: KeyRegistered\n              key_id: ""',
    )
    replace_in(dataset, "- message: PseudonymCreated", "- message: PseudonymMade")
    problems = static(copy, monkeypatch)
    key_line, message_line = line_of(dataset, 'key_id: ""'), line_of(dataset, "- message: PseudonymMade")
    assert (
        f"{DATASET}:{key_line}: UC1.register_root_key (key-service registerKey): event "
        f"KeyRegistered payload $.key_id: '' should be non-empty"
    ) in problems
    assert (
        f"{DATASET}:{message_line}: UC3.create_child_pseudonym "
        f"(anonymous-service createPseudonym): event PseudonymMade is not a message of anonymous-service's "
        f"asyncapi artifact (fixtures/contracts/anonymous-service.asyncapi.json; messages: PseudonymCreated)"
    ) in problems


def test_events_of_a_service_given_a_tiny_asyncapi_artifact_are_checked(copy, monkeypatch):
    """The extension point: a service whose contract becomes a bundle gets its events checked."""
    contracts = copy / "fixtures/contracts"
    (contracts / "jwks-service.asyncapi.json").write_text(
        json.dumps(
            {
                "odmdKind": "asyncapi",
                "asyncapi": "2.6.0",
                "info": {"title": "jwks events", "version": "1"},
                "channels": {
                    "jwks.published": {"subscribe": {"message": {"$ref": "#/components/messages/KeySetPublished"}}}
                },
                "components": {
                    "messages": {
                        "KeySetPublished": {
                            "name": "KeySetPublished",
                            "payload": {
                                "type": "object",
                                "required": ["entity_id"],
                                "properties": {"entity_id": {"type": "string", "format": "uuid"}},
                            },
                        }
                    }
                },
            }
        )
    )
    (contracts / "jwks-service.bundle.json").write_text(
        json.dumps({"odmdKind": "bundle", "http": "jwks-service.openapi.json", "events": "jwks-service.asyncapi.json"})
    )
    replace_in(copy / CONSTELLATION, "contracts/jwks-service.openapi.json", "contracts/jwks-service.bundle.json")
    dataset = copy / DATASET
    replace_in(
        dataset,
        "                alg: EdDSA\n",
        "                alg: EdDSA\n        events:\n          - message: KeySetPublished\n"
        "            payload:\n              entity_id: not-a-uuid\n",
    )
    problems = static(copy, monkeypatch)
    line = line_of(dataset, "entity_id: not-a-uuid", after="get_root_jwks:")
    assert (
        f"{DATASET}:{line}: UC4.get_root_jwks (jwks-service getJwks): event KeySetPublished payload "
        f"$.entity_id: 'not-a-uuid' is not a 'uuid'"
    ) in problems


def test_a_published_event_without_an_asyncapi_artifact_is_named(copy, monkeypatch):
    replace_in(copy / CONSTELLATION, "contracts/key-service.bundle.json", "contracts/key-service.openapi.json")
    problems = static(copy, monkeypatch)
    line = line_of(copy / DATASET, "- message: KeyRegistered")
    assert (
        f"{DATASET}:{line}: UC1.register_root_key (key-service registerKey): publishes KeyRegistered, but "
        f"key-service has no asyncapi artifact in the constellation to check it against (give it a bundle "
        f"artifact with 'events')"
    ) in problems


# --- b. shared IDs ------------------------------------------------------------------------------


def test_two_constants_sharing_a_value_are_named_but_an_alias_is_fine(copy, monkeypatch):
    dataset = copy / DATASET
    replace_in(
        dataset,
        'LINK_DELEGATION_ID: "lnk_root_grandchild_delegation_0003"',
        'LINK_DELEGATION_ID: "lnk_root_child_0001"',
    )
    problems = static(copy, monkeypatch)
    first = line_of(dataset, "LINK_ROOT_CHILD_ID:")
    assert problems == [
        f"{DATASET}:{line_of(dataset, 'LINK_DELEGATION_ID:')}: constant LINK_DELEGATION_ID repeats the value "
        f"'lnk_root_child_0001' of ${{LINK_ROOT_CHILD_ID}} (line {first}); write LINK_DELEGATION_ID: "
        f'"${{LINK_ROOT_CHILD_ID}}" if it is the same ID, else give it a value of its own'
    ]
    # ROOT_IDENTITY_ID: "${ROOT_ENTITY_ID}" (an alias) and KEY_/ENTITY_/LINK_STATUS_ACTIVE ("active",
    # a plain word) share values in the shipped dataset and are not reported.


def test_literal_id_in_a_feature_is_named(copy, monkeypatch):
    feature = copy / "features/uc4_credential_distribution_verification.feature"
    replace_in(
        feature,
        "Then the key set of ${ROOT_ENTITY_ID} holds the key ${ROOT_KEY_ID}",
        "Then the key set of ${ROOT_ENTITY_ID} holds the key key_root_0001",
    )
    line = line_of(feature, "holds the key key_root_0001")
    assert static(copy, monkeypatch) == [
        f"features/uc4_credential_distribution_verification.feature:{line}: literal 'key_root_0001' repeats "
        f"constant ${{ROOT_KEY_ID}}; write ${{ROOT_KEY_ID}}"
    ]


def test_literal_ids_are_whole_tokens_outside_constant_references():
    values = {
        "key_root_0001": ["ROOT_KEY_ID"],
        "user_12345_system": ["USER_ID"],
        "Root identity of user_12345_system": ["ROOT_DISPLAY_NAME"],
    }
    assert literal_ids_in("the key key_root_0001, not key_root_00012", values) == ["key_root_0001"]
    assert literal_ids_in('named "Root identity of user_12345_system" for user_12345_system', values) == [
        "Root identity of user_12345_system",
        "user_12345_system",
    ]
    assert literal_ids_in("the key ${ROOT_KEY_ID}", values) == []


def test_json_paths_become_yaml_key_paths():
    assert json_path_steps("$.links[0].link_id") == ["links", 0, "link_id"]
    assert json_path_steps("$") == []
    assert json_path_steps("$['odd key'].x") == ["odd key", "x"]


# --- c. constants named by features, coverage ----------------------------------------------------


def test_unknown_constant_in_a_feature_is_named_with_the_closest_name(copy, monkeypatch):
    feature = copy / "features/uc1_authentication_key_entity.feature"
    replace_in(feature, "for ${ROOT_ENTITY_ID} with key-service", "for ${ROOT_ENTTY_ID} with key-service")
    line = line_of(feature, "${ROOT_ENTTY_ID}")
    problems = static(copy, monkeypatch)
    assert len(problems) == 1
    assert problems[0].startswith(
        f"features/uc1_authentication_key_entity.feature:{line}: unknown constant "
        f"${{ROOT_ENTTY_ID}} — did you mean ${{ROOT_ENTITY_ID}}?"
    )


def test_coverage_counts_what_scenarios_really_perform(copy):
    dataset = copy / DATASET
    # 1. A new case no feature performs.
    replace_in(
        dataset,
        "    errors:\n      read_unknown_entity:",
        "      read_root_entity:\n        service: identity-service\n        operation: readEntity\n"
        '        request:\n          body:\n            entity_id: "${ROOT_ENTITY_ID}"\n'
        "        response:\n          status: 200\n"
        "    errors:\n      read_unknown_entity:",
    )
    # 2. UC3 no longer lists the root's links. UC5 still builds its request from the template case
    #    UC3.list_root_links (for the child), so counting Action.case would call it covered.
    replace_in(
        copy / "features/uc3_relationship_privacy_protection.feature",
        "    When the user lists the links of ${ROOT_ENTITY_ID} with chain-service\n"
        "    Then the listed links are ${LINK_ROOT_CHILD_ID}\n",
        "",
    )
    # 3. The UC6 journey skips the MPC authentication (every later step still passes).
    uc6 = copy / "features/uc6_cross_service_journey.feature"
    replace_in(
        uc6,
        "    And the user authenticates the MPC session ${MPC_SESSION_ID} with the nonce ${MPC_NONCE} "
        "and the proof ${MPC_AUTH_PROOF} at key-service\n",
        "",
    )
    proc = check_cli(copy)
    assert proc.returncode == 1, proc.stderr
    scenario = line_of(uc6, "Scenario:")
    assert proc.stdout.splitlines() == sorted(
        [
            f"{DATASET}:{line_of(dataset, 'read_root_entity:')}: case UC2.read_root_entity is not covered by any feature",
            f"{DATASET}:{line_of(dataset, 'list_root_links:')}: case UC3.list_root_links is not covered by any feature",
            f"{DATASET}:{line_of(dataset, '- UC4.authenticate_mpc_signing')}: journey UC6 step 9 "
            f"(UC4.authenticate_mpc_signing) is not covered: no scenario performs it in the order of the UC6 journey "
            f"(the closest scenario, features/uc6_cross_service_journey.feature:{scenario}, performs 12 of its 13 "
            f"steps in order)",
        ]
    )


def test_unknown_constant_is_named_once_and_what_its_feature_covered_goes_uncovered(copy):
    feature = copy / "features/uc1_authentication_key_entity.feature"
    replace_in(feature, "for ${ROOT_ENTITY_ID} with key-service", "for ${ROOT_ENTTY_ID} with key-service")
    proc = check_cli(copy)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    unknown = [line for line in lines if "ROOT_ENTTY_ID" in line]
    assert unknown == [
        f"features/uc1_authentication_key_entity.feature:{line_of(feature, '${ROOT_ENTTY_ID}')}: "
        f"unknown constant ${{ROOT_ENTTY_ID}} — did you mean ${{ROOT_ENTITY_ID}}? (constants are "
        f"defined in {(copy / DATASET).resolve()})"
    ]
    # The feature cannot be collected; the cases only it performs are reported, the others (UC1.login is
    # performed by every Background) are not.
    assert (
        f"{DATASET}:{line_of(copy / DATASET, 'register_key_without_session:')}: case "
        f"UC1.register_key_without_session is not covered by any feature" in lines
    )
    assert not any("case UC1.login " in line for line in lines)
