"""Every artifact is validated in full when it is loaded: one error naming the file and the JSON
pointer, before any scenario runs."""

from __future__ import annotations

import json

import pytest

from conftest import ROOT
from odmd_bdd.contracts.artifacts import parse_artifact
from odmd_bdd.errors import ContractError

IDENTITY = ROOT / "fixtures" / "contracts" / "identity-service.openapi.json"
KEYS_EVENTS = ROOT / "fixtures" / "contracts" / "key-service.asyncapi.json"


def _load(path, change):
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    return parse_artifact(json.dumps(doc), "planted.json")


def _error(path, change) -> str:
    with pytest.raises(ContractError) as caught:
        _load(path, change)
    return str(caught.value)


def test_the_shipped_artifacts_are_valid():
    for path in sorted((ROOT / "fixtures" / "contracts").glob("*.json")):
        parse_artifact(path.read_bytes(), str(path))  # raises on any problem


def test_a_nested_ref_that_points_nowhere_is_named_by_its_pointer():
    def plant(doc):
        doc["components"]["schemas"]["Entity"]["properties"]["profile"]["$ref"] = "#/components/schemas/Profle"

    assert _error(IDENTITY, plant) == (
        "planted.json: /components/schemas/Entity/properties/profile/$ref: $ref '#/components/schemas/Profle' "
        "points nowhere (no /components/schemas/Profle in this document)"
    )


def test_an_invalid_schema_is_named_by_its_pointer():
    def plant(doc):
        doc["components"]["schemas"]["Session"]["properties"]["expires_in"]["type"] = "integr"

    message = _error(IDENTITY, plant)
    assert message.startswith(
        "planted.json: /components/schemas/Session/properties/expires_in/type: not a valid JSON Schema:"
    )


def test_a_document_that_breaks_openapi_3_1_is_named_by_its_pointer():
    def plant(doc):
        del doc["paths"]["/auth/login"]["post"]["responses"]["200"]["description"]

    assert _error(IDENTITY, plant) == (
        "planted.json: /paths/~1auth~1login/post/responses/200: not a valid OpenAPI 3.1 document: "
        '"description" is a required property'
    )


def test_a_document_that_breaks_asyncapi_2_6_is_named_by_its_pointer():
    def plant(doc):
        doc["info"].pop("title")

    message = _error(KEYS_EVENTS, plant)
    assert message == "planted.json: /info: not a valid AsyncAPI 2.6 document: 'title' is a required property"


def test_a_broken_contract_stops_the_run_before_any_scenario_with_one_message(project):
    path = project.path / "fixtures" / "contracts" / "identity-service.openapi.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["components"]["schemas"]["Entity"]["properties"]["profile"]["$ref"] = "#/components/schemas/Profle"
    path.write_text(json.dumps(doc, indent=2), encoding="utf-8")

    result = project.runpytest_subprocess("features/", "--layer", "api")

    assert result.ret == pytest.ExitCode.USAGE_ERROR
    errors = [line for line in result.outlines + result.errlines if "Profle" in line]
    assert len(errors) == 1, result.outlines + result.errlines
    assert "identity-service.openapi.json: /components/schemas/Entity/properties/profile/$ref" in errors[0]
    assert " passed" not in result.stdout.str() and " failed" not in result.stdout.str()


def test_a_valid_document_is_remembered_on_disk_and_a_problem_never(tmp_path, monkeypatch):
    from odmd_bdd.contracts import validation

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = IDENTITY.read_text(encoding="utf-8")
    validation._problem.cache_clear()  # as a fresh process would
    validation.validate_document("openapi", text, "identity.json")
    assert len(list((tmp_path / "odmd-bdd" / "valid-artifacts").iterdir())) == 1

    def not_again(*_):
        raise AssertionError("a document found valid before was validated again")

    monkeypatch.setattr(validation, "_problem", not_again)
    validation.validate_document("openapi", text, "identity.json")  # the next run: from the marker

    monkeypatch.undo()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    broken = text.replace('"#/components/schemas/Entity"', '"#/components/schemas/Entty"', 1)
    for _ in range(2):  # found, and said, every time
        with pytest.raises(ContractError, match="Entty"):
            validation.validate_document("openapi", broken, "broken.json")
    assert len(list((tmp_path / "odmd-bdd" / "valid-artifacts").iterdir())) == 1
