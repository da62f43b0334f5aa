import json

import pytest

from odmd_bdd.checks import contract
from odmd_bdd.checks.problems import lines
from odmd_bdd.contracts import AsyncApiContract, OpenApiContract, load_artifact, zod_issues
from odmd_bdd.contracts.artifacts import parse_artifact
from odmd_bdd.errors import ContractError
from odmd_bdd.events.sqs import queue_name
from odmd_bdd.names import QUEUE_BASE_MAX, RUN_ID_MAX
from tests.conftest import ROOT

UUID = "550e8400-e29b-41d4-a716-446655440001"
GOOD_KEY = {
    "key_id": "key_root_0001",
    "entity_id": UUID,
    "algorithm": "Ed25519",
    "public_key": "AAAA",
    "fingerprint": "SHA256:abc=",
    "status": "active",
    "registered_at": "2026-01-01T00:00:00Z",
}


def response_lines(op, *args):
    return lines(contract.response(op, *args))


@pytest.fixture(scope="module")
def key_service(reference_constellation):
    return reference_constellation.contracts["key-service"]


def test_conforming_answer_has_no_problems(key_service):
    assert response_lines(key_service.operation("registerKey"), 201, GOOD_KEY) == []


def test_wrong_type_names_operation_status_and_json_path(key_service):
    problems = response_lines(key_service.operation("registerKey"), 201, {**GOOD_KEY, "entity_id": 42})
    assert problems == ["status 201: $.entity_id: 42 is not of type 'string'"]


def test_missing_required_field_is_named(key_service):
    body = {k: v for k, v in GOOD_KEY.items() if k != "fingerprint"}
    assert response_lines(key_service.operation("registerKey"), 201, body) == [
        "status 201: $: 'fingerprint' is a required property"
    ]


def test_undeclared_status_is_a_violation(key_service):
    assert response_lines(key_service.operation("registerKey"), 200, GOOD_KEY) == [
        "status 200 is not declared (declared: 201, 400, 401, 409)"
    ]


def test_formats_are_checked(key_service):
    problems = response_lines(
        key_service.operation("registerKey"), 201, {**GOOD_KEY, "entity_id": "not-a-uuid", "registered_at": "yesterday"}
    )
    assert problems == [
        "status 201: $.entity_id: 'not-a-uuid' is not a 'uuid'",
        "status 201: $.registered_at: 'yesterday' is not a 'date-time'",
    ]


def test_undeclared_field_is_a_violation_where_the_schema_forbids_it(key_service):
    problems = response_lines(key_service.operation("registerKey"), 201, {**GOOD_KEY, "private_key": "x"})
    assert len(problems) == 1 and "private_key" in problems[0] and problems[0].startswith("status 201: $:")


def test_non_json_content_type_is_a_violation(key_service):
    assert response_lines(key_service.operation("registerKey"), 201, GOOD_KEY, "text/html") == [
        "status 201: content type 'text/html' is not application/json"
    ]


def test_find_maps_method_and_path_to_operation(reference_constellation):
    identity = reference_constellation.contracts["identity-service"]
    op, params = identity.find("POST", "/entity/read")
    assert op.operation_id == "readEntity" and params == {}
    assert identity.find("GET", "/entity/read") is None
    assert identity.find("POST", "/entity/readx") is None


def test_path_parameters_are_extracted():
    doc = {
        "odmdKind": "openapi",
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/chain/{entity_id}": {
                "get": {
                    "operationId": "listLinks",
                    "parameters": [{"name": "entity_id", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    contract = OpenApiContract("chain-service", parse_artifact(json.dumps(doc), "mem"))
    op, params = contract.find("GET", "/chain/abc-1")
    assert op.operation_id == "listLinks" and params == {"entity_id": "abc-1"}


def test_request_errors_become_zod_issues(key_service):
    errors = key_service.operation("registerKey").request_errors({"entity_id": UUID, "algorithm": "RSA", "x": 1})
    issues = zod_issues(errors)
    assert [(i["code"], i["path"]) for i in issues] == [
        ("unrecognized_keys", []),
        ("invalid_enum_value", ["algorithm"]),
        ("invalid_type", ["public_key"]),
    ]
    assert issues[2]["message"] == "Required" and issues[2]["received"] == "undefined"


@pytest.mark.parametrize(
    "text, message",
    [
        ('{"openapi": "3.1.0",\n "paths": {,}}', "mem:2: schema artifact is not valid JSON"),
        ('{"paths": {}}', "mem: schema artifact has no odmdKind"),
        ('{"odmdKind": "openapi", "openapi": "2.0"}', r"needs an OpenAPI 3.1 \(or 3.0\) document"),
        ('{"odmdKind": "openapi", "openapi": "3.0.3"}', "not a valid OpenAPI 3.0 document: .info. is a required"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
def test_invalid_artifacts_are_one_clear_error(text, message):
    with pytest.raises(ContractError, match=message):
        parse_artifact(text, "mem")


def test_unresolvable_reference_fails_at_load_time():
    doc = {
        "odmdKind": "openapi",
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/x": {
                "post": {
                    "operationId": "x",
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}},
                        }
                    },
                }
            }
        },
    }
    with pytest.raises(ContractError) as caught:
        parse_artifact(json.dumps(doc), "mem")  # loading is enough: no contract is built from it
    assert str(caught.value) == (
        "mem: /paths/~1x/post/responses/200/content/application~1json/schema/$ref: "
        "$ref '#/components/schemas/Nope' points nowhere (no /components/schemas/Nope in this document)"
    )


def test_artifact_version_is_a_content_digest(tmp_path):
    path = tmp_path / "a.json"
    path.write_text('{"odmdKind": "openapi", "openapi": "3.1.0", "paths": {}, "info": {"title": "a", "version": "1"}}')
    first = load_artifact(path)
    path.write_text('{"odmdKind": "openapi", "openapi": "3.1.0", "paths": {}, "info": {"title": "b", "version": "1"}}')
    assert first.version.startswith("sha256:") and load_artifact(path).version != first.version
    with pytest.raises(ContractError, match="cannot be read"):
        load_artifact(tmp_path / "missing.json")


def _asyncapi_with_queue(name: str):
    doc = json.loads((ROOT / "fixtures/contracts/identity-service.asyncapi.json").read_text(encoding="utf-8"))
    doc["channels"]["identity-service.entity-created"]["bindings"]["sqs"]["queue"]["name"] = name
    return AsyncApiContract("identity-service", parse_artifact(json.dumps(doc), "mem"))


def test_a_queue_name_without_room_for_a_run_id_is_one_clear_error_at_load():
    """A run's queue is `<queue>--<run id>` within SQS's 80 characters; cutting it instead would
    put two runs' events on one queue."""
    longest = "q" * QUEUE_BASE_MAX
    assert _asyncapi_with_queue(longest).messages["EntityCreated"].queue == longest
    runs = ("a" * RUN_ID_MAX, "m0001~" + "b" * (RUN_ID_MAX - 6))
    assert len({queue_name(longest, run) for run in runs}) == 2  # each run keeps a queue of its own
    with pytest.raises(ContractError) as caught:
        _asyncapi_with_queue(longest + "q")
    assert str(caught.value) == (
        f"mem: /channels/identity-service.entity-created/bindings/sqs/queue/name: queue name {longest + 'q'!r} is "
        f"{QUEUE_BASE_MAX + 1} characters; at most {QUEUE_BASE_MAX}, so that a run's queue `<queue>--<run id>` "
        "fits SQS's 80"
    )
    with pytest.raises(ContractError, match="more than SQS's 80"):
        queue_name(longest, "c" * (RUN_ID_MAX + 1))  # never cut to fit
