"""Acceptance of #14: a third-party OpenAPI 3.1 service (the petstore of npm @readme/oas-examples)
added with `odmd-bdd add-service`, a feature using an integer path parameter, a `$ref`'d request
body and an apiKey-secured operation, green on both layers; planted faults (a wrong type, a
missing key, a wrong key) turn it red with a clear message."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, every_byte_under, replace_in
from odmd_bdd.data.constellation import Constellation
from odmd_bdd.tools.cli import main
from tests.openapi_docs import body_operation, document, loaded

INSTALLED = ROOT / "node_modules" / "@readme" / "oas-examples" / "3.1" / "json" / "petstore.json"
PETSTORE = INSTALLED if INSTALLED.is_file() else Path(__file__).parent / "fixtures" / "petstore-3.1.json"
DATASET = "fixtures/dataset/master-mock-dataset.yaml"
FEATURE = """@petstore
Feature: Petstore, a third-party service added with add-service

  Scenario: A pet is read by its integer id, with the API key
    When the client sends the dataset case PETSTORE.getPetById
    Then the answer matches the dataset case PETSTORE.getPetById
    And the answer field name is doggie

  Scenario: Users are created from a referenced request body
    When the client sends the dataset case PETSTORE.createUsersWithArrayInput
    Then the answer matches the dataset case PETSTORE.createUsersWithArrayInput
"""


@pytest.fixture
def petstore(project, monkeypatch, capsys):
    monkeypatch.chdir(project.path)
    code = main(["add-service", "petstore", "--contract", str(PETSTORE)])
    said = capsys.readouterr().out
    assert code == 0, said
    assert "api_key: PETSTORE_API_KEY" in said and "PETSTORE.getPetById: request.path.petId = 1" in said
    (project.path / "features" / "petstore.feature").write_text(FEATURE, encoding="utf-8")
    return project


def _check(project) -> tuple[int, str]:
    """`odmd-bdd check` in a process of its own, as the CLI runs it: it runs the features with
    pytest.main, which must not share this test process (tools/case_coverage.run_features)."""
    cli = Path(sys.executable).with_name("odmd-bdd")
    done = subprocess.run([str(cli), "check"], cwd=project.path, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def _case(project, name: str) -> dict:
    return yaml.safe_load((project.path / DATASET).read_text())["use_cases"]["PETSTORE"]["steps"][name]


def test_add_service_writes_the_entry_the_contract_and_cases_that_pass_check(petstore, capsys):
    constellation = yaml.safe_load((petstore.path / "fixtures/envers/constellation.yaml").read_text())
    entry = constellation["services"]["petstore"]
    assert entry["contract"] == "contracts/petstore.openapi.json"
    assert entry["credentials"] == {"petstore_auth": "PETSTORE_PETSTORE_AUTH_TOKEN", "api_key": "PETSTORE_API_KEY"}
    assert (petstore.path / "fixtures/contracts/petstore.openapi.json").is_file()
    assert _case(petstore, "getPetById")["request"] == {"path": {"petId": 1}}
    assert "# The constellation under test" in (petstore.path / "fixtures/envers/constellation.yaml").read_text()
    code, out = _check(petstore)
    petstore_problems = [line for line in out.splitlines() if "PETSTORE." in line and "not covered" not in line]
    assert petstore_problems == [] and code in (0, 1)


def test_the_petstore_feature_is_green_on_both_layers(petstore):
    result = petstore.runpytest_subprocess("features/petstore.feature", "-v")
    result.assert_outcomes(passed=4)


def test_check_flags_a_path_value_of_the_wrong_type(petstore, capsys):
    replace_in(petstore.path / DATASET, "petId: 1\n", "petId: '1'\n")
    _, out = _check(petstore)
    assert "the path parameter petId is '1' (str), but the enver reads it by its schema as 1 (int)" in out


@pytest.mark.parametrize("layer", ["api", "gui"])
@pytest.mark.parametrize(
    "fault, said",
    [
        ("wrong type", ["*status: expected 200, got 400 (issues at petId)*"]),
        (
            "missing key",
            [
                "*status: expected 200, got 401 (Missing or invalid credentials*api_key (an API key in the header api_key))*"
            ],
        ),
        (
            "wrong key",
            [
                "*status: expected 200, got 401 (Missing or invalid credentials*api_key (an API key in the header api_key))*"
            ],
        ),
    ],
)
def test_planted_faults_turn_the_feature_red_with_a_clear_message(petstore, layer, fault, said):
    case = petstore.path / DATASET
    if fault == "wrong type":  # the request sends a petId that is not an integer
        replace_in(case, "petId: 1\n", "petId: one\n")
    elif fault == "missing key":  # the request goes without the API key
        replace_in(case, "    operation: getPetById\n", "    operation: getPetById\n        auth: none\n")
    else:  # the request presents another key than the service's
        replace_in(case, "    operation: getPetById\n", "    operation: getPetById\n        auth: wrong\n")
    result = petstore.runpytest_subprocess("features/petstore.feature", "--layer", layer, "-k", "integer")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(said, consecutive=False)


def test_the_services_credentials_stay_out_of_a_full_gui_trace(petstore):
    """The web client reads the petstore's mock API key from config.json and sends it in a header:
    a kept trace with DOM snapshots and the network log (a failed scenario, --gui-trace full)
    holds neither, nor does anything else under reports/."""
    replace_in(petstore.path / DATASET, "petId: 1\n", "petId: one\n")
    result = petstore.runpytest_subprocess(
        "features/petstore.feature", "--layer", "gui", "-k", "integer", "--gui-trace", "full"
    )
    result.assert_outcomes(failed=1)
    files = every_byte_under(petstore.path / "reports")
    assert any(name.endswith("trace.zip!trace.network") for name in files)
    key = Constellation.load(petstore.path / "fixtures/envers/constellation.yaml").mock_credentials("petstore")[
        "api_key"
    ]
    assert len(key) >= 8
    network = b"".join(data for name, data in files.items() if "trace.zip!" in name)
    assert b"api_key" in network  # the header was recorded, its value masked
    assert [name for name, data in files.items() if key.encode() in data] == []


NOTES_FEATURE = """@notes
Feature: Every operation of a contract written for no harness

  Scenario: A pet is read through a referenced path item
    When the client sends the dataset case NOTES.getPet
    Then the answer matches the dataset case NOTES.getPet

  Scenario: A pet is deleted, with no answer body
    When the client sends the dataset case NOTES.deletePet
    Then the answer matches the dataset case NOTES.deletePet

  Scenario: Pets are listed by query parameters of every style
    When the client sends the dataset case NOTES.listPets
    Then the answer matches the dataset case NOTES.listPets

  Scenario: A pet with a recursive schema is added with a header key
    When the client sends the dataset case NOTES.addPet
    Then the answer matches the dataset case NOTES.addPet

  Scenario: A note is added with both keys
    When the client sends the dataset case NOTES.addNote
    Then the answer matches the dataset case NOTES.addNote

  Scenario: A shape of a discriminated union is added with an OAuth token
    When the client sends the dataset case NOTES.addShape
    Then the answer matches the dataset case NOTES.addShape
"""


@pytest.fixture
def notes(project, monkeypatch, capsys):
    """The contract of tests/test_openapi_wild.py (a $ref'd path item, a recursive schema, query
    styles, a discriminated union, every security scheme) added as a service: its addNote needs an
    apiKey in the query and one in a cookie, together."""
    from tests.test_openapi_wild import CONTRACT

    contract = project.path / "notes.openapi.json"
    contract.write_text(json.dumps(CONTRACT), encoding="utf-8")
    monkeypatch.chdir(project.path)
    assert main(["add-service", "notes", "--contract", str(contract)]) == 0, capsys.readouterr().out
    (project.path / "features" / "notes.feature").write_text(NOTES_FEATURE, encoding="utf-8")
    return project


@pytest.mark.parametrize("fault", [None, "auth: none", "auth: wrong"])
def test_every_operation_and_a_cookie_key_work_on_both_layers(notes, fault):
    """The web client sets the key as a cookie of its host and sends it on a credentialed call (the
    enver's CORS gives the origin back): green on both layers; without the keys, or with wrong
    ones, red on both. Before, the web client sent no cookie (a 401), could not even start on a
    contract with a recursive schema (its form builder recursed without end), and had no form for
    the operations of a $ref'd path item. Every other operation is green on both layers too."""
    if fault:
        replace_in(notes.path / DATASET, "    operation: addNote\n", f"    operation: addNote\n        {fault}\n")
    result = notes.runpytest_subprocess("features/notes.feature", "-v", *(("-k", "a_note_is_added") if fault else ()))
    if fault is None:  # every operation, on both layers
        result.assert_outcomes(passed=12)
    else:
        result.assert_outcomes(failed=2)
        result.stdout.fnmatch_lines(["*[[]api[]] notes addNote*", "*status 401 is not declared*"], consecutive=False)
        result.stdout.fnmatch_lines(["*[[]gui[]] notes addNote*", "*status 401 is not declared*"], consecutive=False)


def test_drafted_values_fit_patterns_bounds_unions_and_refuse_a_documents_bad_defaults(tmp_path):
    """Corpus (3.1 readme.json, schema-types.json, train-travel.json, polymorphism.json, schema-circular.json): a drafted
    body must fit its schema, even where the document's own default or example does not."""
    from odmd_bdd.tools.add_service import draft_cases

    a, b = ({"type": "object", "required": [k], "properties": {k: {"type": "string"}}} for k in ("a", "b"))
    body = {
        "type": "object",
        "required": ["token", "even", "nothing", "trip", "either", "above", "tagged", "nest"],
        "properties": {
            "token": {"type": "string", "pattern": "^rdme_\\w+$"},
            "even": {"type": "integer", "multipleOf": 2},
            "nothing": {"type": "string", "default": None},
            "trip": {"type": "string", "format": "uuid", "example": "4f4e4e1-c824-4d63-b37a-d8d698862f1d"},
            "either": {"oneOf": [{"type": "object"}, a, b]},  # {} fits every branch; {"a": ...} too
            "above": {"type": "number", "exclusiveMinimum": 10, "maximum": 20},
            "tagged": {"allOf": [{"type": "string"}, {"minLength": 3}]},  # an allOf that is not of objects
            "nest": {"$ref": "#/components/schemas/Nest"},  # recursive: ends in an empty list
        },
    }
    nest = {"type": "array", "items": {"$ref": "#/components/schemas/Nest"}}
    contract, path = loaded(tmp_path, document({"/x": body_operation("x", body)}, schemas={"Nest": nest}))
    drafted = draft_cases("t", contract, path).cases["x"]["request"]["body"]
    assert [e.message for e in contract.operation("x").request_errors(drafted)] == []
    assert drafted["token"].startswith("rdme_") and drafted["even"] % 2 == 0 and 10 < drafted["above"] <= 20


def test_a_drafted_value_of_a_discriminated_union_names_its_branch(tmp_path):
    """Corpus 3.0/json/discriminators.json: the discriminator property is the mapping key (or the
    schema name) of the branch drafted, not the placeholder 'string' the validator cannot resolve."""
    from odmd_bdd.tools.add_service import draft_cases

    def branch(size: str) -> dict:
        return {
            "type": "object",
            "required": ["kind", size],
            "properties": {"kind": {"type": "string"}, size: {"type": "number"}},
        }

    union = {
        "oneOf": [{"$ref": "#/components/schemas/Circle"}, {"$ref": "#/components/schemas/Square"}],
        "discriminator": {"propertyName": "kind", "mapping": {"round": "#/components/schemas/Circle"}},
    }
    shapes = {"Circle": branch("r"), "Square": branch("side")}
    contract, path = loaded(tmp_path, document({"/s": body_operation("s", union)}, "3.0.3", shapes))
    drafted = draft_cases("t", contract, path).cases["s"]["request"]["body"]
    assert drafted == {"kind": "round", "r": 1.5}
    assert contract.operation("s").request_errors(drafted) == []


def test_a_format_with_a_pattern_and_an_informational_only_operation(tmp_path):
    """Corpus: schema-types.json has a date with a pattern (the pattern's shortest string,
    0000-00-00, is no date); http-status-codes.json has GET /status/100, which no final HTTP
    answer can honour: no case is drafted for it, and add-service says why."""
    from odmd_bdd.tools.add_service import draft_cases

    day = {"type": "string", "format": "date", "pattern": "^\\d{4}-\\d{2}-\\d{2}$"}
    informational = {"get": {"operationId": "continue", "responses": {"100": {"description": "go on"}}}}
    contract, path = loaded(tmp_path, document({"/d": body_operation("d", day), "/status/100": informational}))
    draft = draft_cases("t", contract, path)
    assert draft.cases["d"]["request"]["body"] == "2026-02-03"
    assert contract.operation("d").request_errors("2026-02-03") == []
    assert list(draft.cases) == ["d"] and "informational" in draft.not_drafted["continue"]


def test_overlapping_one_of_branches_and_a_property_no_value_fills(tmp_path):
    """Corpus 3.0/json/polymorphism.json, discriminators.json, schema-deprecated.json: a oneOf of
    objects that each take the other's draft gets a value only one branch takes; an optional
    property whose oneOf branches are equal (no value valid under exactly one) is left out, and an
    optional body no value fits is not sent (the enver does not check a body left out)."""
    from odmd_bdd.tools.add_service import draft_cases

    one = {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}}
    two = {"type": "object", "properties": {"c": {"type": "string"}, "d": {"type": "string"}}}
    text = {"type": "string"}
    twins = {"oneOf": [{"$ref": "#/components/schemas/S1"}, {"$ref": "#/components/schemas/S2"}]}
    body = {
        "type": "object",
        "required": ["either"],
        "properties": {"either": {"oneOf": [one, two]}, "twins": twins},
    }
    conflict = {"allOf": [{"type": "string"}, {"type": "integer"}]}

    paths = {"/x": body_operation("x", body), "/y": body_operation("y", conflict)}
    contract, path = loaded(tmp_path, document(paths, "3.0.3", {"S1": text, "S2": text}))
    draft = draft_cases("t", contract, path)
    drafted = draft.cases["x"]["request"]["body"]
    assert "twins" not in drafted and contract.operation("x").request_errors(drafted) == []
    assert drafted["either"] == {"c": 0}  # fits `one` (c undeclared there), not `two` (c is a string)
    assert "body" not in draft.cases["y"]["request"]
    assert any("y: request.body left out" in f and "/allOf: the allOf parts' types" in f for f in draft.fill_in)


def test_a_required_header_parameter_is_drafted_checked_and_sent(tmp_path):
    """Corpus 3.0/json/request-examples.json: param5 is a required header parameter. The case
    carries it under request.headers; check demands it; the embedded enver is sent it and picks
    the case by it. A oneOf beside properties (readme-legacy.json createDoc) drafts a branch with them."""
    import json

    from odmd_bdd.tools.corpus import run_document

    doc = {
        "openapi": "3.0.3",
        "info": {"title": "hdr", "version": "1"},
        "paths": {
            "/h": {
                "post": {
                    "operationId": "h",
                    "parameters": [
                        {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "integer"}},
                        {"name": "Accept", "in": "header", "required": True, "schema": {"type": "string"}},
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        "title": {"type": "string"},
                                        "a": {"type": "string"},
                                        "b": {"type": "string"},
                                    },
                                    "oneOf": [{"required": ["title", "a"]}, {"required": ["title", "b"]}],
                                }
                            }
                        },
                    },
                    "responses": {"201": {"description": "made"}},
                }
            }
        },
    }
    package = tmp_path / "pkg"
    (package / "3.0/json").mkdir(parents=True)
    (package / "3.0/json/hdr.json").write_text(json.dumps(doc))
    work = tmp_path / "work"
    work.mkdir()
    row = run_document(package / "3.0/json/hdr.json", package, work, fuzzing=False)
    assert (row.operations, row.checked, row.served, row.failures) == (1, 1, 1, [])
    dataset = yaml.safe_load((work / "fixtures/dataset/dataset.yaml").read_text())
    request = dataset["use_cases"]["HDR"]["steps"]["h"]["request"]
    assert request["headers"] == {"X-Trace": 1}  # Accept is not a parameter (the specification ignores it)
    assert request["body"] == {"title": "string", "a": "string"}
    # without the header, check says it is required
    text = (work / "fixtures/dataset/dataset.yaml").read_text().replace("X-Trace: 1", "X-Other: 1")
    (work / "fixtures/dataset/dataset.yaml").write_text(text)
    from odmd_bdd.tools.dataset_check import run_check

    report = run_check(work / "fixtures/envers/constellation.yaml", work / "features", coverage=False)
    assert [p.message for p in report.problems] == ["HDR.h (hdr h): the header parameter 'X-Trace' is required"]


TRACED = {
    "openapi": "3.0.3",
    "info": {"title": "traced", "version": "1"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
                    {"name": "X-Trace", "in": "header", "required": True, "schema": {"type": "integer"}},
                ],
                "responses": {
                    "200": {
                        "description": "a thing",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"name": {"type": "string"}}},
                                "example": {"name": "traced"},
                            }
                        },
                    }
                },
            }
        }
    },
}


def test_a_required_header_parameter_is_sent_by_both_layers(project, monkeypatch, capsys):
    """Corpus request-examples.json (param5): the case's request.headers reach the enver from the
    API layer and from the web client (a `$header.<name>` input); without the header the enver
    answers 400, so a green GUI run means the browser sent it."""
    monkeypatch.chdir(project.path)
    contract = project.path / "traced.openapi.json"
    contract.write_text(json.dumps(TRACED), encoding="utf-8")
    assert main(["add-service", "traced", "--contract", str(contract)]) == 0, capsys.readouterr().out
    case = yaml.safe_load((project.path / DATASET).read_text())["use_cases"]["TRACED"]["steps"]["getThing"]
    assert case["request"]["headers"] == {"X-Trace": 1}
    (project.path / "features" / "traced.feature").write_text(
        "@traced\nFeature: A header parameter\n\n  Scenario: A thing is read with its trace header\n"
        "    When the client sends the dataset case TRACED.getThing\n"
        "    Then the answer matches the dataset case TRACED.getThing\n",
        encoding="utf-8",
    )
    result = project.runpytest_subprocess("features/traced.feature", "-v")
    result.assert_outcomes(passed=2)
