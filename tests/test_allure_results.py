"""The Allure results read like the feature (issue #17): a real run of the smoke scenario on both
layers against the embedded enver, read from the result files allure-pytest-bdd writes."""

from __future__ import annotations

import json

from odmd_bdd.reporting.summary import load_scenarios

FEATURE = "features/uc1_authentication_key_entity.feature"
SCENARIO = "A user logs in, registers the root key and creates the root entity"
FEATURE_TEXT = "The user logs in to identity-service with a temporary token"  # the feature's description


def _steps(result):
    return {step["name"]: step for step in result["steps"]}


def test_names_descriptions_step_values_comparisons_and_the_last_look_at_a_passed_gui_scenario(project):
    result = project.runpytest_subprocess(FEATURE, "-k", "registers_the_root_key", "--gui-screenshot", "always")
    result.assert_outcomes(passed=2)
    folder = project.path / "reports" / "allure-results"
    results = {r["name"]: r for r in (json.loads(p.read_text()) for p in folder.glob("*-result.json"))}
    assert set(results) == {f"{SCENARIO} [api]", f"{SCENARIO} [gui]"}
    for layer in ("api", "gui"):
        test = results[f"{SCENARIO} [{layer}]"]
        # Its own description and place, not the feature's.
        assert test["description"] == f"`{FEATURE}:8` · {layer} layer"
        assert FEATURE_TEXT not in test["description"]
        steps = _steps(test)
        # ${NAME}s with their values; a secret stays masked.
        register = steps[
            "When the user registers the root public key ${ROOT_PUBLIC_KEY} for ${ROOT_ENTITY_ID} with key-service"
        ]
        params = {p["name"]: p["value"] for p in register["parameters"]}
        assert params["${ROOT_ENTITY_ID}"] == "550e8400-e29b-41d4-a716-446655440001"
        login = steps["When the user logs in to identity-service with the temporary token ${TEMP_TOKEN}"]
        assert {p["name"]: p["value"] for p in login["parameters"]} == {"${TEMP_TOKEN}": "***redacted***"}
        # Every Then step (And after a Then, too) attaches what it compared, though it passed.
        thens = [s for name, s in steps.items() if name.startswith("Then ")]
        assert len(thens) == 3
        for step in thens:
            [compared] = [
                a for a in step.get("attachments", []) if a["name"].startswith("compared: expected vs actual")
            ]
            assert compared["name"].endswith("all equal")
            text = (folder / compared["source"]).read_text()
            assert "expected " in text and "actual " in text and "mock_auth_jwt_token_for_testing" not in text
    # Asked to, a passed GUI scenario ends with a small screenshot; the API scenario has none.
    [shot] = [a for a in results[f"{SCENARIO} [gui]"]["attachments"] if "the page at the end" in a["name"]]
    data = (folder / shot["source"]).read_bytes()
    assert data[:3] == b"\xff\xd8\xff" and len(data) < 200_000
    assert not [a for a in results[f"{SCENARIO} [api]"].get("attachments", []) if "page" in a["name"]]
    # The Markdown summary names the scenario once, its layer in its own column.
    assert {s.name for s in load_scenarios([folder])} == {SCENARIO}


def test_the_metadata_panel_has_short_keys_and_the_enver_is_one_global_attachment_per_service(project):
    result = project.runpytest_subprocess(FEATURE, "--layer", "api", "-k", "tampered")
    result.assert_outcomes(passed=1)
    folder = project.path / "reports" / "allure-results"
    panel = dict(line.split("=", 1) for line in (folder / "environment.properties").read_text().splitlines())
    assert max(len(key) for key in panel) <= 14, panel  # Allure 3's Metadata panel cuts longer keys
    assert panel["enver"] == "local" and panel["identity"].startswith("http://127.0.0.1:")
    [globals_file] = folder.glob("*-globals.json")
    [attachment] = json.loads(globals_file.read_text())["attachments"]
    text = (folder / attachment["source"]).read_text()
    block = text.split("\n\nkey-service\n", 1)[1].split("\n\n", 1)[0]
    assert "  openapi " in block and "key-service.openapi.json@" in block
    # Every key for tools, beside it.
    assert "key-service.artifact.openapi=s3://" in (folder / "odmd-enver.properties").read_text()
